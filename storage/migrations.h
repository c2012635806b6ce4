#ifndef SONGVEC_STORAGE_MIGRATIONS_H_
#define SONGVEC_STORAGE_MIGRATIONS_H_

#include <span>
#include <string_view>

#include "core/status.h"
#include "storage/database.h"

namespace songvec {

// One numbered schema change, from migrations/NNNN_name.sql. Shipped migrations are never edited:
// a change to the schema is a new file with the next number.
struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// The migrations compiled into this binary (generated at build time from migrations/*.sql, so a
// deployed binary needs no folder beside it), in version order 1, 2, ...
std::span<const Migration> EmbeddedMigrations();

// Applies, each in its own transaction, every migration `db` has not recorded in schema_migrations.
// Fails, changing nothing, if the database records a migration this binary does not know (a newer
// songvec wrote it) or records one under another name.
Status ApplyMigrations(Database& db, std::span<const Migration> migrations);

// Succeeds only if `db` has exactly `migrations` applied; never writes.
Status CheckMigrations(Database& db, std::span<const Migration> migrations);

}  // namespace songvec

#endif  // SONGVEC_STORAGE_MIGRATIONS_H_
