#include "server/model_snapshot.h"

#include <nlohmann/json.hpp>

#include "storage/catalog_store.h"

namespace songvec {

namespace {

// The model's songs by row, described from the catalog (untitled where it lacks them), then the
// catalog's songs the model does not know.
std::vector<Song> SongsOf(const Vocabulary& vocabulary, const std::vector<Song>& catalog) {
  std::unordered_map<std::string_view, const Song*> by_id;
  for (const Song& song : catalog) by_id.emplace(song.id, &song);
  std::vector<Song> songs;
  songs.reserve(vocabulary.size() + catalog.size());
  for (const std::string& key : vocabulary.keys()) {
    auto it = by_id.find(key);
    songs.push_back(it != by_id.end() ? *it->second : Song{key, "", "", {}});
  }
  for (const Song& song : catalog) {
    if (vocabulary.Find(song.id) < 0) songs.push_back(song);
  }
  return songs;
}

}  // namespace

std::string SongJson(const Song& song) {
  const nlohmann::ordered_json object = {
      {"id", song.id}, {"title", song.title}, {"artist", song.artist}, {"tags", song.tags}};
  return object.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Result<std::shared_ptr<const ModelSnapshot>> ModelSnapshot::Load(Database& db, int64_t version,
                                                                 IndexPolicy policy) {
  // One read transaction: the catalog matches the model even if a trainer commits meanwhile.
  SONGVEC_ASSIGN_OR_RETURN(Transaction read, Transaction::BeginRead(db));
  SONGVEC_ASSIGN_OR_RETURN(StoredModel model, ModelStore(db).Load(version));
  SONGVEC_ASSIGN_OR_RETURN(std::vector<Song> catalog, CatalogStore(db).All());
  return std::make_shared<const ModelSnapshot>(std::move(model), catalog, policy);
}

ModelSnapshot::ModelSnapshot(StoredModel model, const std::vector<Song>& catalog,
                             IndexPolicy policy)
    : info_(model.info),
      songs_(SongsOf(model.embeddings.vocabulary, catalog)),
      plays_(model.embeddings.vocabulary.counts()),
      recommender_(model.embeddings, model.info.scoring, std::move(model.pairs), policy,
                   std::move(model.search)),
      similar_cache_(recommender_, Scoring::kSimilar),
      next_cache_(recommender_.has_next()
                      ? std::make_unique<NeighborCache>(recommender_, Scoring::kNext)
                      : nullptr) {
  // songs_ no longer changes, so views into it stay valid.
  index_of_.reserve(songs_.size());
  song_json_.reserve(songs_.size());
  for (size_t i = 0; i < songs_.size(); ++i) {
    index_of_.emplace(songs_[i].id, static_cast<int32_t>(i));
    song_json_.push_back(SongJson(songs_[i]));
  }
}

int32_t ModelSnapshot::Find(std::string_view id) const {
  auto it = index_of_.find(id);
  return it == index_of_.end() ? -1 : it->second;
}

}  // namespace songvec
