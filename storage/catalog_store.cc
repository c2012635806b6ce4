#include "storage/catalog_store.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace songvec {

Status CatalogStore::Upsert(const std::vector<Song>& songs, Tags tags) {
  SONGVEC_ASSIGN_OR_RETURN(
      Statement insert,
      db_.Prepare("INSERT INTO songs (id, title, artist) VALUES (?, ?, ?) "
                  "ON CONFLICT (id) DO UPDATE SET title = excluded.title, artist = excluded.artist "
                  "WHERE title != excluded.title OR artist != excluded.artist"));
  SONGVEC_ASSIGN_OR_RETURN(Statement clear_tags,
                           db_.Prepare("DELETE FROM song_tags WHERE song_id = ?"));
  SONGVEC_ASSIGN_OR_RETURN(
      Statement insert_tag,
      db_.Prepare("INSERT OR IGNORE INTO song_tags (song_id, tag) VALUES (?, ?)"));
  int64_t changed = 0;
  for (const Song& song : songs) {
    SONGVEC_RETURN_IF_ERROR(insert.Bind(1, song.id).Bind(2, song.title).Bind(3, song.artist).Run());
    insert.Reset();
    changed += db_.Changes();
    if (tags == Tags::kKeep) continue;
    SONGVEC_RETURN_IF_ERROR(clear_tags.Bind(1, song.id).Run());
    clear_tags.Reset();
    for (const std::string& tag : song.tags) {
      SONGVEC_RETURN_IF_ERROR(insert_tag.Bind(1, song.id).Bind(2, tag).Run());
      insert_tag.Reset();
    }
  }
  // The search index (an external-content FTS5 table over songs) read again in one pass: far
  // cheaper than keeping it in step song by song when many change, and a retraining on the same
  // catalog changes none.
  if (changed > 0) {
    SONGVEC_RETURN_IF_ERROR(
        db_.Execute("INSERT INTO song_search (song_search) VALUES ('rebuild')"));
  }
  return Status();
}

Result<std::vector<Song>> CatalogStore::All() {
  // Songs and their tags in one ordered pass; tags in the order they were stored.
  SONGVEC_ASSIGN_OR_RETURN(
      Statement select,
      db_.Prepare("SELECT s.id, s.title, s.artist, t.tag FROM songs s "
                  "LEFT JOIN song_tags t ON t.song_id = s.id ORDER BY s.id, t.rowid"));
  std::vector<Song> songs;
  while (true) {
    SONGVEC_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) return songs;
    if (songs.empty() || songs.back().id != select.ColumnText(0)) {
      songs.push_back({select.ColumnText(0), select.ColumnText(1), select.ColumnText(2), {}});
    }
    if (!select.ColumnIsNull(3)) songs.back().tags.push_back(select.ColumnText(3));
  }
}

Result<std::vector<Song>> CatalogStore::Search(std::string_view query, int64_t limit,
                                               int64_t offset, const SearchScore& score) {
  // Words are runs of letters, digits and any non-ASCII byte (UTF-8 letters); each becomes a
  // quoted prefix term, so no input is FTS5 syntax: "ac/dc" -> "ac"* "dc"*.
  std::string match;
  size_t words = 0;
  for (size_t i = 0; i < query.size();) {
    auto is_word = [](unsigned char c) { return std::isalnum(c) || c >= 0x80; };
    if (!is_word(query[i])) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < query.size() && is_word(query[end])) ++end;
    match += (words++ == 0 ? "\"" : " \"") + std::string(query.substr(i, end - i)) + "\"*";
    i = end;
  }
  if (words == 0) return Status::InvalidArgument("the query has no letters or digits");
  // Without ORDER BY, FTS5 hands out matches in rowid order and stops at the LIMIT: the cost is
  // bounded by kSearchCandidates, whatever the query matches. Ranked here, best score first, ties
  // to the earlier song.
  SONGVEC_ASSIGN_OR_RETURN(
      Statement select,
      db_.Prepare("SELECT song_search.rowid, bm25(song_search), songs.id FROM song_search "
                  "JOIN songs ON songs.rowid = song_search.rowid "
                  "WHERE song_search MATCH ? LIMIT ?"));
  select.Bind(1, match).Bind(2, kSearchCandidates);
  std::vector<std::pair<double, int64_t>> ranked;  // (-score, rowid)
  while (true) {
    SONGVEC_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    const double relevance = -select.ColumnDouble(1);
    ranked.emplace_back(score ? -score(select.ColumnText(2), relevance) : -relevance,
                        select.ColumnInt(0));
  }
  std::sort(ranked.begin(), ranked.end());
  SONGVEC_ASSIGN_OR_RETURN(Statement song,
                           db_.Prepare("SELECT id, title, artist FROM songs WHERE rowid = ?"));
  std::vector<Song> songs;
  for (auto i = static_cast<size_t>(std::max<int64_t>(offset, 0));
       i < ranked.size() && songs.size() < static_cast<size_t>(limit); ++i) {
    song.Bind(1, ranked[i].second);
    SONGVEC_ASSIGN_OR_RETURN(bool row, song.Step());
    if (row) songs.push_back({song.ColumnText(0), song.ColumnText(1), song.ColumnText(2), {}});
    song.Reset();
  }
  return songs;
}

}  // namespace songvec
