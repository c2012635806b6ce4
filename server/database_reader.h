#ifndef SONGVEC_SERVER_DATABASE_READER_H_
#define SONGVEC_SERVER_DATABASE_READER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/catalog.h"
#include "core/status.h"
#include "storage/catalog_store.h"
#include "storage/database.h"
#include "storage/model_store.h"

namespace songvec {

// What requests read from the database itself rather than from the loaded model: catalog search
// and the model versions. kConnections read-only connections, a query on each at a time, so that a
// slow search does not hold up the others; thread-safe.
class DatabaseReader {
 public:
  static constexpr size_t kConnections = 4;

  static Result<std::unique_ptr<DatabaseReader>> Open(const std::string& db_path);

  // CatalogStore::Search.
  Result<std::vector<Song>> Search(std::string_view query, int64_t limit, int64_t offset,
                                   const CatalogStore::SearchScore& score);
  // Every model version, oldest first.
  Result<std::vector<ModelInfo>> Models();
  // NotFound naming the version if there is none.
  Result<ModelInfo> Model(int64_t version);

 private:
  struct Connection {
    explicit Connection(Database opened) : db(std::move(opened)) {}
    std::mutex mu;
    Database db;
  };
  DatabaseReader() = default;
  // Runs `read` on a free connection, or waits for one.
  template <typename Read>
  auto With(Read read);

  std::vector<std::unique_ptr<Connection>> connections_;
  std::atomic<size_t> next_{0};
};

}  // namespace songvec

#endif  // SONGVEC_SERVER_DATABASE_READER_H_
