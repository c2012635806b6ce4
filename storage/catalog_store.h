#ifndef SONGVEC_STORAGE_CATALOG_STORE_H_
#define SONGVEC_STORAGE_CATALOG_STORE_H_

#include <cstdint>
#include <functional>
#include <string_view>
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

  // Which tags Upsert() writes.
  enum class Tags {
    kKeep,     // the songs come without tags (no tag file given): stored tags stay
    kReplace,  // the songs' tags replace the stored ones, song by song
  };

  // Inserts the songs, replacing title and artist (and with Tags::kReplace the tags) of ids already
  // present, and rebuilds the search index if a title or artist changed. Wrap it in the model's
  // Transaction so that catalog and model land together.
  Status Upsert(const std::vector<Song>& songs, Tags tags);

  // Every song with its tags, ordered by id.
  Result<std::vector<Song>> All();

  // How a search ranks a match, higher first: from the song's id and its relevance (FTS5's bm25,
  // negated, so higher is better). Default: the relevance alone.
  using SearchScore = std::function<double(std::string_view id, double relevance)>;

  // Songs whose title or artist has words starting with every word of `query` (case and accents
  // folded), best `score` first (ties to the earlier song), without tags. InvalidArgument if
  // `query` has no word.
  // A query matching more than kSearchCandidates songs ranks the first kSearchCandidates of them
  // in catalog order, so that no query reads more than that (about 20 ms for a one-letter prefix
  // over a million songs); results past them are not offered.
  static constexpr int64_t kSearchCandidates = 2000;
  Result<std::vector<Song>> Search(std::string_view query, int64_t limit, int64_t offset,
                                   const SearchScore& score = nullptr);

 private:
  Database& db_;
};

}  // namespace songvec

#endif  // SONGVEC_STORAGE_CATALOG_STORE_H_
