// Fuzzes the reader of CSV playlist rows (RFC 4180 quoting, a header row naming the columns).
#include "fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  songvec::fuzz::CheckCorpus(songvec::fuzz::Bytes(data, size), songvec::DataFormat::kCsv);
  return 0;
}
