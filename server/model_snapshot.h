#ifndef SONGVEC_SERVER_MODEL_SNAPSHOT_H_
#define SONGVEC_SERVER_MODEL_SNAPSHOT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/catalog.h"
#include "core/embeddings.h"
#include "core/neighbor_cache.h"
#include "core/recommender.h"
#include "core/status.h"
#include "storage/database.h"
#include "storage/model_store.h"

namespace songvec {

// A song as every answer shows it: the JSON object {"id", "title", "artist", "tags"}, compact,
// invalid UTF-8 replaced (a catalog is user data).
std::string SongJson(const Song& song);

// One model version with its catalog, loaded whole and never changed afterwards: request handlers
// share it through a shared_ptr without locking, and a newer snapshot replaces it in one swap.
class ModelSnapshot {
 public:
  // Loads model `version` of `db` and the song catalog, searching with the indexes `policy` picks.
  static Result<std::shared_ptr<const ModelSnapshot>> Load(Database& db, int64_t version,
                                                           IndexPolicy policy);

  // A snapshot of `model` with `catalog`; songs of the model missing from the catalog get empty
  // titles.
  ModelSnapshot(StoredModel model, const std::vector<Song>& catalog, IndexPolicy policy);

  const ModelInfo& info() const { return info_; }
  // Songs the model knows (rows).
  size_t model_songs() const { return recommender_.size(); }

  // Index of `id` in song(), or -1. Indices below model_songs() are model rows.
  int32_t Find(std::string_view id) const;
  const Song& song(int32_t index) const { return songs_[index]; }
  // Every song(), by index.
  std::span<const Song> songs() const { return songs_; }
  // song(index) as SongJson() writes it, written once at load: answers copy it, not rebuild it.
  const std::string& song_json(int32_t index) const { return song_json_[index]; }

  // How often song(index) was played in the training playlists; 0 beyond the model's rows.
  int64_t plays(int32_t index) const {
    return static_cast<size_t>(index) < plays_.size() ? plays_[index] : 0;
  }

  const Recommender& recommender() const { return recommender_; }
  // The cached best rows of one row as the only seed (see NeighborCache); null for kNext on a
  // model without output vectors.
  const NeighborCache* neighbor_cache(Scoring scoring) const {
    return scoring == Scoring::kSimilar ? &similar_cache_ : next_cache_.get();
  }

 private:
  ModelInfo info_;
  std::vector<Song> songs_;  // model rows first, then catalog songs the model lacks
  std::vector<std::string> song_json_;
  std::unordered_map<std::string_view, int32_t> index_of_;  // views into songs_
  std::vector<int64_t> plays_;                              // by model row
  Recommender recommender_;
  NeighborCache similar_cache_;
  std::unique_ptr<NeighborCache> next_cache_;
};

}  // namespace songvec

#endif  // SONGVEC_SERVER_MODEL_SNAPSHOT_H_
