#include "core/catalog.h"

#include <gtest/gtest.h>

#include <sstream>

namespace songvec {
namespace {

Result<std::vector<Song>> Parse(const std::string& text, DataFormat format) {
  std::istringstream in(text);
  return ParseCatalog(in, "song_hash.txt", format);
}

TEST(Catalog, YesIdsLoseTheirTrailingSpaceAndTitlesTheirEscapes) {
  // yes_complete's song_hash.txt: "0 \tGucci Time (w\/ Swizz Beatz)\tGucci Mane".
  Result<std::vector<Song>> songs =
      Parse("0 \tGucci Time (w\\/ Swizz Beatz)\tGucci Mane\n\n1\tAC\\/DC Song\tAC\\/DC\n",
            DataFormat::kYes);
  ASSERT_TRUE(songs.ok()) << songs.status().message();
  EXPECT_EQ(*songs, (std::vector<Song>{{"0", "Gucci Time (w/ Swizz Beatz)", "Gucci Mane"},
                                       {"1", "AC/DC Song", "AC/DC"}}));
}

TEST(Catalog, YesIdsAreNumbers) {
  Result<std::vector<Song>> songs = Parse("007\tBond\tSpy\n", DataFormat::kYes);
  ASSERT_TRUE(songs.ok());
  EXPECT_EQ((*songs)[0].id, "7");
  Result<std::vector<Song>> bad = Parse("0\ta\tb\nseven\tBond\tSpy\n", DataFormat::kYes);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "song_hash.txt:2: expected an integer song id, found 'seven'");
}

TEST(Catalog, RejectsALineWithoutThreeFields) {
  Result<std::vector<Song>> songs = Parse("0\ttitle only\n", DataFormat::kYes);
  ASSERT_FALSE(songs.ok());
  EXPECT_EQ(songs.status().message(),
            "song_hash.txt:1: expected 3 tab-separated fields (id, title, artist), found 2");
}

TEST(Catalog, RejectsARepeatedIdNamingBothLines) {
  Result<std::vector<Song>> songs =
      Parse("spotify:a\tOne\tX\nspotify:b\tTwo\tY\nspotify:a\tThree\tZ\n", DataFormat::kPlain);
  ASSERT_FALSE(songs.ok());
  EXPECT_EQ(songs.status().message(),
            "song_hash.txt:3: song id 'spotify:a' already appeared on line 1");
}

TEST(Catalog, PlainIdsAreVerbatimAndMustNotContainSpaces) {
  Result<std::vector<Song>> songs = Parse("spotify:track:x\tA \\/ B\tArtist\n", DataFormat::kPlain);
  ASSERT_TRUE(songs.ok());
  EXPECT_EQ((*songs)[0], (Song{"spotify:track:x", "A \\/ B", "Artist"}));
  Result<std::vector<Song>> bad = Parse("two words\tA\tB\n", DataFormat::kPlain);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "song_hash.txt:1: song id 'two words' is empty or contains whitespace");
}

}  // namespace
}  // namespace songvec
