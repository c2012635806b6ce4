// Fuzzes the word2vec binary reader (word2vec.c's and gensim's binary files).
#include "core/word2vec_format.h"
#include "fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace songvec;
  std::istringstream in = fuzz::Stream(fuzz::Bytes(data, size));
  fuzz::CheckVectors(ReadWord2VecBinary(in, fuzz::kName));
  return 0;
}
