#include "server/database_reader.h"

#include "storage/catalog_store.h"

namespace songvec {

Result<std::unique_ptr<DatabaseReader>> DatabaseReader::Open(const std::string& db_path) {
  SONGVEC_ASSIGN_OR_RETURN(Database db, Database::Open(db_path, Database::Mode::kReadOnly));
  return std::unique_ptr<DatabaseReader>(new DatabaseReader(std::move(db)));
}

Result<std::vector<Song>> DatabaseReader::Search(std::string_view query, int64_t limit,
                                                 int64_t offset) {
  std::lock_guard<std::mutex> lock(mu_);
  return CatalogStore(db_).Search(query, limit, offset);
}

Result<std::vector<ModelInfo>> DatabaseReader::Models() {
  std::lock_guard<std::mutex> lock(mu_);
  return ModelStore(db_).List();
}

Result<ModelInfo> DatabaseReader::Model(int64_t version) {
  std::lock_guard<std::mutex> lock(mu_);
  return ModelStore(db_).Get(version);
}

}  // namespace songvec
