// Fuzzes the catalog search's query (GET /v1/songs?q=): whatever its bytes, CatalogStore::Search
// must hand FTS5 plain prefix terms, never its syntax, so a query finds songs or is refused for
// having no word, and never fails in SQLite. The first byte picks the offset, as the server's
// offset= does.
#include "fuzz/fuzz_checks.h"
#include "storage/catalog_store.h"
#include "storage/database.h"

namespace songvec::fuzz {
namespace {

// An in-memory catalog with every migration, made once: the store's SQL is what is fuzzed.
CatalogStore& Store() {
  static Database db = [] {
    Result<Database> opened = Database::Open(":memory:", Database::Mode::kReadWrite);
    Require(opened.ok(), "opening an in-memory database: " + opened.status().message());
    return std::move(opened).value();
  }();
  static CatalogStore store = [] {
    CatalogStore catalog(db);
    const std::vector<Song> songs = {{"1", "Harbour Lights", "The Paper Lanterns"},
                                     {"2", "Salt, Rope & Tar", "The Paper Lanterns"},
                                     {"3", "\"Quiet\" Water (w/ Guest)", "Mira Okoné"},
                                     {"4", "Mile Marker 9", "Kestrel Union"},
                                     {"5", "AC/DC-ish * NEAR OR NOT", "Réseau ^ Quatre"}};
    const Status upserted = catalog.Upsert(songs, CatalogStore::Tags::kKeep);
    Require(upserted.ok(), "storing the catalog: " + upserted.message());
    return catalog;
  }();
  return store;
}

}  // namespace
}  // namespace songvec::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace songvec;
  if (size == 0) return 0;
  const int64_t offset = data[0] % 8;
  const std::string_view query = fuzz::Bytes(data + 1, size - 1);
  Result<std::vector<Song>> songs = fuzz::Store().Search(query, 20, offset);
  fuzz::Require(songs.ok() || songs.status().code() == Status::Code::kInvalidArgument,
                "a query is searched or refused, never an SQL error: " + songs.status().message());
  if (songs.ok()) fuzz::Require(songs->size() <= 20, "at most limit songs");
  return 0;
}
