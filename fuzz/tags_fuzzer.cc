// Fuzzes the tags readers: yes.com's tags.txt and tag_hash.txt (the input's bytes before and after
// its first NUL), and the plain song_id<TAB>tag,tag,... file (the whole input).
#include "core/catalog.h"
#include "fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace songvec;
  const std::string_view bytes = fuzz::Bytes(data, size);
  const auto [tags_bytes, names_bytes] = fuzz::SplitAtNul(bytes);
  std::istringstream tags = fuzz::Stream(tags_bytes), names = fuzz::Stream(names_bytes);
  Result<SongTags> yes = ParseTags(tags, "tags.txt", &names, "tag_hash.txt", DataFormat::kYes);
  if (!yes.ok()) {
    const bool names_file = yes.status().message().starts_with("tag_hash.txt");
    fuzz::RequireClearError(yes.status(), names_file ? "tag_hash.txt" : "tags.txt");
  }
  std::istringstream plain_tags = fuzz::Stream(bytes);
  Result<SongTags> plain = ParseTags(plain_tags, fuzz::kName, nullptr, "", DataFormat::kPlain);
  if (!plain.ok()) fuzz::RequireClearError(plain.status());
  return 0;
}
