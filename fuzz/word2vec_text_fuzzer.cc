// Fuzzes the word2vec text reader (gensim's save_word2vec_format, fastText's .vec).
#include "core/word2vec_format.h"
#include "fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace songvec;
  std::istringstream in = fuzz::Stream(fuzz::Bytes(data, size));
  fuzz::CheckVectors(ReadWord2VecText(in, fuzz::kName));
  return 0;
}
