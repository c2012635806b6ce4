// Fuzzes the reader of one Million Playlist Dataset JSON slice, read as a stream of parse events.
#include "fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  songvec::fuzz::CheckCorpus(songvec::fuzz::Bytes(data, size), songvec::DataFormat::kMpd);
  return 0;
}
