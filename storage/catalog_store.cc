#include "storage/catalog_store.h"

namespace songvec {

Status CatalogStore::Upsert(const std::vector<Song>& songs) {
  SONGVEC_ASSIGN_OR_RETURN(
      Statement insert,
      db_.Prepare(
          "INSERT INTO songs (id, title, artist) VALUES (?, ?, ?) "
          "ON CONFLICT (id) DO UPDATE SET title = excluded.title, artist = excluded.artist"));
  for (const Song& song : songs) {
    SONGVEC_RETURN_IF_ERROR(insert.Bind(1, song.id).Bind(2, song.title).Bind(3, song.artist).Run());
    insert.Reset();
  }
  return Status();
}

Result<std::vector<Song>> CatalogStore::All() {
  SONGVEC_ASSIGN_OR_RETURN(Statement select,
                           db_.Prepare("SELECT id, title, artist FROM songs ORDER BY id"));
  std::vector<Song> songs;
  while (true) {
    SONGVEC_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) return songs;
    songs.push_back({select.ColumnText(0), select.ColumnText(1), select.ColumnText(2)});
  }
}

}  // namespace songvec
