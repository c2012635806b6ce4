#include "server/model_snapshot.h"

#include "storage/catalog_store.h"

namespace songvec {

Result<std::shared_ptr<const ModelSnapshot>> ModelSnapshot::LoadActive(Database& db) {
  ModelStore models(db);
  SONGVEC_ASSIGN_OR_RETURN(std::optional<int64_t> version, models.ActiveVersion());
  if (!version.has_value()) {
    return Status::NotFound(db.path() + " has no active model; train one with songvec-train train");
  }
  SONGVEC_ASSIGN_OR_RETURN(ModelInfo info, models.Get(*version));
  SONGVEC_ASSIGN_OR_RETURN(Embeddings embeddings, models.LoadEmbeddings(*version));
  SONGVEC_ASSIGN_OR_RETURN(std::vector<Song> catalog, CatalogStore(db).All());
  return std::make_shared<const ModelSnapshot>(std::move(info), embeddings, catalog);
}

ModelSnapshot::ModelSnapshot(ModelInfo info, const Embeddings& embeddings,
                             const std::vector<Song>& catalog)
    : info_(std::move(info)), index_(embeddings.input) {
  const Vocabulary& vocabulary = embeddings.vocabulary;
  std::unordered_map<std::string_view, const Song*> by_id;
  for (const Song& song : catalog) by_id.emplace(song.id, &song);
  songs_.reserve(vocabulary.size() + catalog.size());
  for (const std::string& key : vocabulary.keys()) {
    auto it = by_id.find(key);
    songs_.push_back(it != by_id.end() ? *it->second : Song{key, "", ""});
  }
  for (const Song& song : catalog) {
    if (vocabulary.Find(song.id) < 0) songs_.push_back(song);
  }
  // songs_ no longer grows, so views into it stay valid.
  index_of_.reserve(songs_.size());
  for (size_t i = 0; i < songs_.size(); ++i)
    index_of_.emplace(songs_[i].id, static_cast<int32_t>(i));
}

int32_t ModelSnapshot::Find(std::string_view id) const {
  auto it = index_of_.find(id);
  return it == index_of_.end() ? -1 : it->second;
}

std::vector<Neighbor> ModelSnapshot::Similar(int32_t row, size_t k) const {
  return index_.Search(index_.unit_row(row), k, [row](int32_t r) { return r == row; });
}

}  // namespace songvec
