#ifndef SONGVEC_FUZZ_FUZZ_CHECKS_H_
#define SONGVEC_FUZZ_FUZZ_CHECKS_H_

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

#include "core/corpus.h"
#include "core/status.h"
#include "core/word2vec_format.h"

// What the harnesses share: the input as the file a reader gets, and the contracts every reader
// keeps. A broken contract aborts, so libFuzzer reports it as a crash with the input that did it.
namespace songvec::fuzz {

// The file name the harnesses give the readers, which their error messages must name.
inline constexpr std::string_view kName = "fuzz.txt";

// The input as a stream.
inline std::istringstream Stream(std::string_view bytes) {
  return std::istringstream(std::string(bytes));
}
inline std::string_view Bytes(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Two files in one input: the bytes before the first NUL and those after it (empty if none).
std::pair<std::string_view, std::string_view> SplitAtNul(std::string_view bytes);

// Aborts, naming `what`, unless `holds`.
void Require(bool holds, std::string_view what);

// A reader's failure must be a message a user can act on: InvalidArgument (or IoError, from the
// stream), starting with the file's name.
void RequireClearError(const Status& status, std::string_view name = kName);

// Parses `bytes` as a playlist file of `format` and checks the corpus it gives: offsets that cover
// the tokens, tokens that index the keys, playlists of two songs or more, counts that match, and
// for formats that name their songs one song per key.
void CheckCorpus(std::string_view bytes, DataFormat format);

// Checks what a word2vec reader gave: a clear error, or a finite vector per key.
void CheckVectors(const Result<KeyedVectors>& vectors);

}  // namespace songvec::fuzz

#endif  // SONGVEC_FUZZ_FUZZ_CHECKS_H_
