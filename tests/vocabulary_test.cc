#include "core/vocabulary.h"

#include <gtest/gtest.h>

#include <cmath>

namespace songvec {
namespace {

Corpus MakeCorpus(const std::vector<std::string>& keys,
                  const std::vector<std::vector<int32_t>>& playlists) {
  Corpus corpus;
  corpus.keys = keys;
  for (const auto& playlist : playlists) corpus.AddPlaylist(playlist);
  return corpus;
}

TEST(Vocabulary, OrdersByCountWithTiesInKeyOrder) {
  const Corpus corpus = MakeCorpus({"a", "b", "c", "d"}, {{1, 2, 1}, {3, 2, 1, 0}});
  const Vocabulary vocabulary = Vocabulary::Build(corpus, 1);
  EXPECT_EQ(vocabulary.keys(), (std::vector<std::string>{"b", "c", "a", "d"}));
  EXPECT_EQ(vocabulary.counts(), (std::vector<int64_t>{3, 2, 1, 1}));
  EXPECT_EQ(vocabulary.total_count(), 7);
  EXPECT_EQ(vocabulary.Find("c"), 1);
  EXPECT_EQ(vocabulary.Find("zzz"), -1);
}

TEST(Vocabulary, DropsSongsBelowMinCount) {
  const Corpus corpus = MakeCorpus({"a", "b", "c"}, {{0, 1, 0}, {2, 0, 1}});
  const Vocabulary vocabulary = Vocabulary::Build(corpus, 2);
  EXPECT_EQ(vocabulary.keys(), (std::vector<std::string>{"a", "b"}));
}

TEST(Vocabulary, EncodeRemovesUnknownSongsAndDropsPlaylistsLeftTooShort) {
  const Corpus corpus = MakeCorpus({"a", "b", "c"}, {{0, 2, 1}, {2, 0}, {1, 0}});
  const Vocabulary vocabulary = Vocabulary::Build(corpus, 2);  // "c" appears twice: kept
  const Vocabulary rare_dropped =
      Vocabulary::Build(MakeCorpus({"a", "b", "c"}, {{0, 1, 0, 1, 2}}), 2);
  const Corpus encoded = rare_dropped.Encode(corpus);
  ASSERT_EQ(encoded.num_playlists(), 2u);  // {a, b} from the first and {b, a}; {c, a} lost c
  EXPECT_EQ(encoded.keys, rare_dropped.keys());
  std::vector<std::string> first;
  for (int32_t row : encoded.playlist(0)) first.push_back(encoded.keys[row]);
  EXPECT_EQ(first, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(vocabulary.Encode(corpus).tokens.size(), corpus.tokens.size());
}

TEST(Vocabulary, KeepThresholdsFollowMikolovsFormula) {
  // One very frequent song (900 of 1000 tokens) and rare ones.
  std::vector<std::string> keys = {"hit"};
  std::vector<int64_t> counts = {900};
  for (int i = 0; i < 100; ++i) {
    keys.push_back("rare" + std::to_string(i));
    counts.push_back(1);
  }
  const Vocabulary vocabulary(keys, counts);
  const std::vector<uint32_t> thresholds = vocabulary.KeepThresholds(1e-3);
  const double t = 1e-3 * 1000;
  const double expected = (std::sqrt(900 / t) + 1) * t / 900;  // ~0.0344
  EXPECT_NEAR(thresholds[0] / 4294967295.0, expected, 1e-9);
  EXPECT_EQ(thresholds[1], UINT32_MAX);  // rare songs are always kept
  for (uint32_t threshold : vocabulary.KeepThresholds(0)) EXPECT_EQ(threshold, UINT32_MAX);
}

}  // namespace
}  // namespace songvec
