#ifndef SONGVEC_TESTS_SMALL_WORLD_H_
#define SONGVEC_TESTS_SMALL_WORLD_H_

#include "core/synthetic.h"

namespace songvec {

// A small world with known structure for the training tests: 4 genres of 6 artists with 5 songs
// each.
inline SyntheticData SmallWorld() {
  SyntheticOptions options;
  options.genres = 4;
  options.artists_per_genre = 6;
  options.songs_per_artist = 5;
  options.playlists = 1500;
  return GenerateSynthetic(options);
}

}  // namespace songvec

#endif  // SONGVEC_TESTS_SMALL_WORLD_H_
