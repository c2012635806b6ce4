#ifndef SONGVEC_STORAGE_CATALOG_STORE_H_
#define SONGVEC_STORAGE_CATALOG_STORE_H_

#include <vector>

#include "core/catalog.h"
#include "core/status.h"
#include "storage/database.h"

namespace songvec {

// The song catalog in the `songs` table. Keeps a reference to `db`, which must outlive it; the same
// threading rules as Database.
class CatalogStore {
 public:
  explicit CatalogStore(Database& db) : db_(db) {}

  // Inserts the songs, replacing title and artist of ids already present. Wrap it in the model's
  // Transaction so that catalog and model land together.
  Status Upsert(const std::vector<Song>& songs);

  // Every song, ordered by id.
  Result<std::vector<Song>> All();

 private:
  Database& db_;
};

}  // namespace songvec

#endif  // SONGVEC_STORAGE_CATALOG_STORE_H_
