#ifndef SONGVEC_CORE_CORPUS_H_
#define SONGVEC_CORE_CORPUS_H_

#include <cstddef>
#include <cstdint>
#include <istream>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace songvec {

// How playlist and catalog files are laid out (README.md, "Data formats").
enum class DataFormat {
  // yes.com (Chen et al., KDD 2012): playlists as integer ids after two header lines.
  kYes,
  // One playlist per line, songs as whitespace-separated string ids (e.g. Spotify URIs).
  kPlain,
};

// "yes" or "plain"; anything else is InvalidArgument.
Result<DataFormat> ParseDataFormat(std::string_view name);

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
  size_t empty_lines = 0;      // lines without songs
};

// Parses playlists from `in`. `name` (usually the path) prefixes error messages, which name the
// line and the reason ("train.txt:57: song id 80000 is outside 0..75261 declared by the header").
// Playlists with fewer than two songs are dropped and counted in `stats` (may be null).
Result<Corpus> ParseCorpus(std::istream& in, std::string_view name, DataFormat format,
                           CorpusStats* stats);

// ParseCorpus on the file at `path`; a missing or unreadable file is an IoError naming it.
Result<Corpus> ReadCorpus(const std::string& path, DataFormat format, CorpusStats* stats);

// Writes `corpus` so that ParseCorpus reads it back. kYes needs keys "0".."n-1" (the key is the id)
// and writes both header lines (ids, then appearance counts) with every line ended by a space, as
// yes.com's files are. IoError if the stream fails.
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
