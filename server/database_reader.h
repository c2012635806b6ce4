#ifndef SONGVEC_SERVER_DATABASE_READER_H_
#define SONGVEC_SERVER_DATABASE_READER_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/catalog.h"
#include "core/status.h"
#include "storage/database.h"
#include "storage/model_store.h"

namespace songvec {

// What requests read from the database itself rather than from the loaded model: catalog search
// and the model versions. One read-only connection, one query at a time; thread-safe.
class DatabaseReader {
 public:
  static Result<std::unique_ptr<DatabaseReader>> Open(const std::string& db_path);

  // CatalogStore::Search.
  Result<std::vector<Song>> Search(std::string_view query, int64_t limit, int64_t offset);
  // Every model version, oldest first.
  Result<std::vector<ModelInfo>> Models();
  // NotFound naming the version if there is none.
  Result<ModelInfo> Model(int64_t version);

 private:
  explicit DatabaseReader(Database db) : db_(std::move(db)) {}

  std::mutex mu_;
  Database db_;
};

}  // namespace songvec

#endif  // SONGVEC_SERVER_DATABASE_READER_H_
