// Fuzzes the reader of yes.com playlists (train.txt: two header lines, then integer song ids).
#include "fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  songvec::fuzz::CheckCorpus(songvec::fuzz::Bytes(data, size), songvec::DataFormat::kYes);
  return 0;
}
