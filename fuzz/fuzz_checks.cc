#include "fuzz/fuzz_checks.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/catalog.h"

namespace songvec::fuzz {

std::pair<std::string_view, std::string_view> SplitAtNul(std::string_view bytes) {
  const size_t nul = bytes.find('\0');
  if (nul == std::string_view::npos) return {bytes, {}};
  return {bytes.substr(0, nul), bytes.substr(nul + 1)};
}

void Require(bool holds, std::string_view what) {
  if (holds) return;
  std::fprintf(stderr, "contract broken: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

void RequireClearError(const Status& status, std::string_view name) {
  Require(
      status.code() == Status::Code::kInvalidArgument || status.code() == Status::Code::kIoError,
      "a reader fails with InvalidArgument or IoError: " + status.message());
  Require(status.message().starts_with(name) && status.message().size() > name.size() + 2,
          "an error names the file and what is wrong: " + status.message());
}

void CheckCorpus(std::string_view bytes, DataFormat format) {
  std::istringstream in = Stream(bytes);
  CorpusStats stats;
  std::vector<Song> songs;
  Result<Corpus> corpus = ParseCorpus(in, kName, format, &stats, &songs);
  if (!corpus.ok()) return RequireClearError(corpus.status());
  Require(!corpus->offsets.empty() && corpus->offsets.front() == 0 &&
              corpus->offsets.back() == corpus->tokens.size(),
          "offsets cover the tokens");
  for (size_t p = 0; p < corpus->num_playlists(); ++p) {
    Require(corpus->offsets[p] + 2 <= corpus->offsets[p + 1], "playlists of two songs or more");
  }
  for (int32_t token : corpus->tokens) {
    Require(token >= 0 && static_cast<size_t>(token) < corpus->keys.size(), "tokens index keys");
  }
  Require(stats.playlists == corpus->num_playlists(), "stats count the playlists kept");
  if (DescribesSongs(format)) {
    Require(songs.size() == corpus->keys.size(), "one song per key");
    for (size_t i = 0; i < songs.size(); ++i) Require(songs[i].id == corpus->keys[i], "song ids");
  }
}

void CheckVectors(const Result<KeyedVectors>& vectors) {
  if (!vectors.ok()) return RequireClearError(vectors.status());
  Require(vectors->keys.size() == static_cast<size_t>(vectors->vectors.rows()), "a row per key");
  Require(vectors->vectors.cols() > 0, "vectors of one dimension or more");
  for (Eigen::Index i = 0; i < vectors->vectors.size(); ++i) {
    Require(std::isfinite(vectors->vectors.data()[i]), "finite values");
  }
}

}  // namespace songvec::fuzz
