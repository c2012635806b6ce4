#ifndef SONGVEC_CORE_CORPUS_H_
#define SONGVEC_CORE_CORPUS_H_

#include <cstddef>
#include <cstdint>
#include <istream>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/text_lines.h"

namespace songvec {

struct Song;

// How playlist and catalog files are laid out (README.md, "Data formats").
enum class DataFormat {
  // yes.com (Chen et al., KDD 2012): playlists as integer ids after two header lines.
  kYes,
  // One playlist per line, songs as whitespace-separated string ids (e.g. Spotify URIs).
  kPlain,
  // Spotify's Million Playlist Dataset: a folder of JSON slices (mpd.slice.*.json), songs by
  // track_uri, named in the same files.
  kMpd,
  // CSV rows of (user, artist, track, playlist), such as the #nowplaying dataset's.
  kCsv,
};

// "yes", "plain", "mpd" or "csv"; anything else is InvalidArgument.
Result<DataFormat> ParseDataFormat(std::string_view name);

// Whether files of `format` name their songs, so that they hold the catalog too (mpd, csv).
bool DescribesSongs(DataFormat format);

// The header names of a CSV file's columns. A playlist is the rows of one (user, playlist), a song
// one (artist, track); an empty user: playlists by name alone.
struct CsvColumns {
  std::string user = "user_id";
  std::string artist = "artistname";
  std::string track = "trackname";
  std::string playlist = "playlistname";
};

// "USER,ARTIST,TRACK,PLAYLIST" (USER may be empty); InvalidArgument otherwise.
Result<CsvColumns> ParseCsvColumns(std::string_view text);

// A format with its options.
struct CorpusFormat {
  // A DataFormat is a CorpusFormat with the default options.
  CorpusFormat(DataFormat data_format = DataFormat::kYes,  // NOLINT(google-explicit-constructor)
               CsvColumns csv_columns = {})
      : data(data_format), csv(std::move(csv_columns)) {}
  DataFormat data;
  CsvColumns csv;
};

// Playlists encoded once as contiguous integer tokens: the form training and evaluation read.
// Immutable once built; safe to share between threads.
struct Corpus {
  // Token value -> the song's external id ("2172", "spotify:track:...").
  std::vector<std::string> keys;
  // Every playlist's tokens, one after the other.
  std::vector<int32_t> tokens;
  // Playlist i is tokens[offsets[i], offsets[i + 1]); offsets.size() == playlists + 1.
  std::vector<size_t> offsets = {0};

  size_t num_playlists() const { return offsets.size() - 1; }
  std::span<const int32_t> playlist(size_t i) const {
    return {tokens.data() + offsets[i], offsets[i + 1] - offsets[i]};
  }
  // Appends a playlist of tokens (values must index keys).
  void AddPlaylist(std::span<const int32_t> songs);
};

// What reading a playlist file saw, for the user's summary.
struct CorpusStats {
  size_t lines = 0;            // lines in the file, headers included
  size_t playlists = 0;        // playlists kept (two songs or more)
  size_t short_playlists = 0;  // non-empty playlists dropped for having a single song
  size_t empty_lines = 0;      // lines (MPD: playlists) without songs
  size_t files = 0;            // files read (MPD slices; 1 for the other formats)
  size_t dropped_rows = 0;     // CSV rows without an artist or a track
  size_t unnamed_songs = 0;    // MPD, CSV: songs the files give neither a title nor an artist
};

// Parses playlists from `in` (kMpd: one slice). `name` (usually the path) prefixes error messages,
// which name the line (MPD: the playlist) and the reason ("train.txt:57: song id 80000 is outside
// 0..75261 declared by the header"). Playlists with fewer than two songs are dropped and counted in
// `stats` (may be null). For formats that DescribesSongs(), `songs` (may be null) receives the song
// of each key, named as the files name it.
Result<Corpus> ParseCorpus(std::istream& in, std::string_view name, const CorpusFormat& format,
                           CorpusStats* stats, std::vector<Song>* songs = nullptr);

// ParseCorpus on the file at `path` (kMpd: a folder of slices, read one at a time, or one slice); a
// missing or unreadable file is an IoError naming it. Where `digest` is not null, the files' bytes
// go into it as they are read (each file is read once).
Result<Corpus> ReadCorpus(const std::string& path, const CorpusFormat& format, CorpusStats* stats,
                          std::vector<Song>* songs = nullptr, FileDigest* digest = nullptr);

// Writes `corpus` so that ParseCorpus reads it back: kYes or kPlain (the formats that name songs
// by id only). kYes needs keys "0".."n-1" (the key is the id) and writes both header lines (ids,
// then appearance counts) with every line ended by a space, as yes.com's files are. IoError if the
// stream fails.
Status WriteCorpus(std::ostream& out, const Corpus& corpus, DataFormat format);

// A corpus divided by playlist.
struct CorpusSplit {
  Corpus train, validation, test;
};

// Sends each playlist of `corpus` to test with probability `test_share`, else to validation with
// probability `validation_share`, else to train (shares in [0, 1), summing below 1). The draw of
// playlist i depends only on `seed` and i, so a seed always gives the same split of a file. Every
// part keeps `corpus`'s keys.
CorpusSplit SplitCorpus(const Corpus& corpus, double validation_share, double test_share,
                        uint64_t seed);

}  // namespace songvec

#endif  // SONGVEC_CORE_CORPUS_H_
