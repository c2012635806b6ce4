#ifndef SONGVEC_TESTS_CORPUS_TESTING_H_
#define SONGVEC_TESTS_CORPUS_TESTING_H_

#include <string>
#include <vector>

#include "core/corpus.h"

namespace songvec {

// The playlists of `corpus` as their songs' ids, for comparing with what a file says.
inline std::vector<std::vector<std::string>> Playlists(const Corpus& corpus) {
  std::vector<std::vector<std::string>> out;
  for (size_t p = 0; p < corpus.num_playlists(); ++p) {
    out.emplace_back();
    for (int32_t token : corpus.playlist(p)) out.back().push_back(corpus.keys[token]);
  }
  return out;
}

}  // namespace songvec

#endif  // SONGVEC_TESTS_CORPUS_TESTING_H_
