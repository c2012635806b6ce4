// Fuzzes the catalog reader (song_hash.txt: id<TAB>title<TAB>artist lines) in both of its forms,
// yes.com's integer ids and plain verbatim ones, on the same bytes.
#include <unordered_set>

#include "core/catalog.h"
#include "fuzz/fuzz_checks.h"

namespace songvec::fuzz {
namespace {

void CheckCatalog(std::string_view bytes, DataFormat format) {
  std::istringstream in = Stream(bytes);
  Result<std::vector<Song>> songs = ParseCatalog(in, kName, format);
  if (!songs.ok()) return RequireClearError(songs.status());
  std::unordered_set<std::string> ids;
  for (const Song& song : *songs) {
    Require(!song.id.empty() && ids.insert(song.id).second, "song ids are non-empty and unique");
  }
}

}  // namespace
}  // namespace songvec::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace songvec;
  fuzz::CheckCatalog(fuzz::Bytes(data, size), DataFormat::kYes);
  fuzz::CheckCatalog(fuzz::Bytes(data, size), DataFormat::kPlain);
  return 0;
}
