#include <cstdio>

#include "storage/database.h"
#include "storage/migrations.h"
#include "trainer/cli.h"
#include "trainer/commands.h"

namespace songvec {

int RunMigrate(const std::vector<std::string>& args) {
  SetUpLogging();
  std::string db_path;
  CLI::App app("Brings a database's schema up to date.", "songvec-train migrate");
  app.add_option("--db", db_path, "database to bring up to date (created if missing)")->required();
  if (auto exit = ParseOptions(app, args)) return *exit;
  // Opening for writing applies every pending migration.
  Result<Database> db = OpenToWrite(db_path);
  if (!db.ok()) return Fail(db.status());
  std::printf("%s is at schema version %zu\n", db_path.c_str(), EmbeddedMigrations().size());
  return 0;
}

}  // namespace songvec
