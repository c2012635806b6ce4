// Fuzzes the reader of plain playlists (a line of whitespace-separated string ids each).
#include "fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  songvec::fuzz::CheckCorpus(songvec::fuzz::Bytes(data, size), songvec::DataFormat::kPlain);
  return 0;
}
