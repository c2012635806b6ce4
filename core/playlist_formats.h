#ifndef SONGVEC_CORE_PLAYLIST_FORMATS_H_
#define SONGVEC_CORE_PLAYLIST_FORMATS_H_

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/catalog.h"
#include "core/corpus.h"
#include "core/status.h"

namespace songvec {

// The readers of the formats whose playlists name their songs by string (plain, MPD, CSV), for
// corpus.cc; the formats are README.md's "Data formats".

// The songs of a corpus being read: the token of each id, in order of first appearance, and what
// the files say of them. Not thread-safe.
class SongTable {
 public:
  // Keys go to `corpus`, which outlives the table.
  explicit SongTable(Corpus* corpus) : corpus_(corpus) {}

  // The token of `id`, added if new.
  int32_t Add(std::string_view id);
  // Notes the title and artist the files give `token` where it has none yet; false if it has
  // other ones.
  bool Describe(int32_t token, std::string_view title, std::string_view artist);
  // The song of each token, described or with empty names.
  std::vector<Song> TakeSongs();

 private:
  Corpus* corpus_;
  std::unordered_map<std::string, int32_t> token_of_;
  std::vector<std::pair<std::string, std::string>> names_;  // (title, artist) by token
};

// Counts a playlist of `songs` songs in `stats`: kept from two songs up.
void CountPlaylist(size_t songs, CorpusStats* stats);

// Reads plain playlists (a line of whitespace-separated ids each) from `in` into `corpus`.
Status ParsePlainPlaylists(std::istream& in, std::string_view name, SongTable* songs,
                           Corpus* corpus, CorpusStats* stats);

// Reads one MPD slice (the Million Playlist Dataset's schema: {"playlists": [{"pid", "name",
// "tracks": [{"track_uri", "track_name", "artist_name", ...}]}]}) from `in` as a stream of parse
// events, never as a document, adding its playlists to `corpus` (songs in the array's order, ids
// the track_uri) and counting them in `stats`. Only track_uri is required; other fields are
// ignored. Errors name `name`, the playlist's pid (or its place) and the track.
Status ParseMpdSlice(std::istream& in, std::string_view name, SongTable* songs, Corpus* corpus,
                     CorpusStats* stats);

// The MPD slices under `path` in their order (mpd.slice.0-999.json before
// mpd.slice.1000-1999.json), or `path` itself if it is a file; InvalidArgument if a folder has
// none.
Result<std::vector<std::string>> MpdSliceFiles(const std::string& path);

// Reads CSV rows (RFC 4180 quoting; fields may span lines; a header row naming the columns) of
// `columns` from `in`: a playlist is the rows of one (user, playlist name), in the order they first
// appear, a song one (artist, track) with the id CsvSongId(); rows without an artist or a track are
// dropped and counted. Errors name `name` and the line.
Status ParseCsvPlaylists(std::istream& in, std::string_view name, const CsvColumns& columns,
                         SongTable* songs, Corpus* corpus, CorpusStats* stats);

// "csv:" and 16 hex digits of a 64-bit FNV-1a hash of artist, a unit separator and track: the same
// song gets the same id in every file and every run.
std::string CsvSongId(std::string_view artist, std::string_view track);

}  // namespace songvec

#endif  // SONGVEC_CORE_PLAYLIST_FORMATS_H_
