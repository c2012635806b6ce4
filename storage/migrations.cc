#include "storage/migrations.h"

#include <map>
#include <string>

namespace songvec {
namespace {

// Version -> name of the migrations recorded in `db`; empty for a new database.
Result<std::map<int, std::string>> Recorded(Database& db) {
  SONGVEC_ASSIGN_OR_RETURN(
      Statement exists,
      db.Prepare(
          "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"));
  SONGVEC_ASSIGN_OR_RETURN(bool has_table, exists.Step());
  std::map<int, std::string> recorded;
  if (!has_table) return recorded;
  SONGVEC_ASSIGN_OR_RETURN(Statement select,
                           db.Prepare("SELECT version, name FROM schema_migrations"));
  while (true) {
    SONGVEC_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    recorded[static_cast<int>(select.ColumnInt(0))] = select.ColumnText(1);
  }
  return recorded;
}

// Fails if `recorded` has anything `migrations` does not explain.
Status CheckKnown(const Database& db, const std::map<int, std::string>& recorded,
                  std::span<const Migration> migrations) {
  for (const auto& [version, name] : recorded) {
    if (version < 1 || version > static_cast<int>(migrations.size())) {
      return Status::Corruption(db.path() + ": the database has schema migration " +
                                std::to_string(version) + " (" + name +
                                ") which this songvec does not know; it was written by a newer "
                                "songvec, use that one");
    }
    if (migrations[version - 1].name != name) {
      return Status::Corruption(db.path() + ": schema migration " + std::to_string(version) +
                                " is recorded as '" + name + "' but this songvec's is '" +
                                std::string(migrations[version - 1].name) + "'");
    }
  }
  return Status();
}

}  // namespace

Status ApplyMigrations(Database& db, std::span<const Migration> migrations) {
  SONGVEC_ASSIGN_OR_RETURN(auto recorded, Recorded(db));
  SONGVEC_RETURN_IF_ERROR(CheckKnown(db, recorded, migrations));
  // An up-to-date database is only read, so that opening it never waits for another's write.
  if (recorded.size() == migrations.size()) return Status();
  SONGVEC_RETURN_IF_ERROR(
      db.Execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                 " version INTEGER PRIMARY KEY,"
                 " name TEXT NOT NULL,"
                 " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"));
  for (const Migration& migration : migrations) {
    if (recorded.count(migration.version) > 0) continue;
    SONGVEC_ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(db));
    // Another process opening the same new database may have applied it while this one waited.
    SONGVEC_ASSIGN_OR_RETURN(recorded, Recorded(db));
    if (recorded.count(migration.version) > 0) continue;
    Status applied = db.Execute(migration.sql);
    if (!applied.ok()) {
      return applied.WithContext("schema migration " + std::to_string(migration.version) + " (" +
                                 std::string(migration.name) + ") failed");
    }
    SONGVEC_ASSIGN_OR_RETURN(
        Statement record,
        db.Prepare("INSERT INTO schema_migrations (version, name) VALUES (?, ?)"));
    SONGVEC_RETURN_IF_ERROR(
        record.Bind(1, int64_t{migration.version}).Bind(2, migration.name).Run());
    SONGVEC_RETURN_IF_ERROR(transaction.Commit());
  }
  return Status();
}

Status CheckMigrations(Database& db, std::span<const Migration> migrations) {
  SONGVEC_ASSIGN_OR_RETURN(auto recorded, Recorded(db));
  SONGVEC_RETURN_IF_ERROR(CheckKnown(db, recorded, migrations));
  if (recorded.size() != migrations.size()) {
    return Status::Corruption(db.path() + " is at schema version " +
                              std::to_string(recorded.size()) + " but this songvec needs " +
                              std::to_string(migrations.size()) +
                              "; upgrade it with: songvec-train migrate --db " + db.path());
  }
  return Status();
}

}  // namespace songvec
