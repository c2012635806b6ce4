#ifndef SONGVEC_CORE_SYNTHETIC_H_
#define SONGVEC_CORE_SYNTHETIC_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/catalog.h"
#include "core/corpus.h"

namespace songvec {

// Shape of a generated demo dataset: genres x artists_per_genre x songs_per_artist songs.
struct SyntheticOptions {
  // Genres, each with its own artists (at most 8, the genres with names). Default: 8.
  int genres = 8;
  // Default: 12 (768 songs in all).
  int artists_per_genre = 12;
  // Default: 8.
  int songs_per_artist = 8;
  // Default: 6000.
  int playlists = 6000;
  // Playlist lengths are uniform in [min_length, max_length]. Default: 8 and 30.
  int min_length = 8;
  int max_length = 30;
  // Chance that a song comes from the playlist's own genre(s) rather than any genre. Default: 0.9.
  double genre_loyalty = 0.9;
  // Chance that a playlist mixes a second genre into its first. Default: 0.3.
  double second_genre = 0.3;
  // Chance that the next song is by the same artist as the previous one. Default: 0.25.
  double same_artist = 0.25;
  // Default: 42.
  uint64_t seed = 42;
};

// A deterministic catalog and playlists with known structure: named genres and artists, Zipf-like
// popularity within each genre, and playlists that mostly stay within one or two genres. The same
// options give the same data on every platform. Used by the demo (`songvec-train synth`) and by
// tests that check a model recovers the planted genres.
struct SyntheticData {
  std::vector<Song> catalog;       // song i has id "i"
  std::vector<int> genre_of_song;  // by song id
  std::vector<std::string> genre_names;
  Corpus train;  // yes-format keys "0".."n-1"
  Corpus test;   // every tenth playlist, as in ../shared/data's splits
};

SyntheticData GenerateSynthetic(const SyntheticOptions& options);

}  // namespace songvec

#endif  // SONGVEC_CORE_SYNTHETIC_H_
