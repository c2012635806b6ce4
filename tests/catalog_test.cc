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
  // As in yes_complete's song_hash.txt: an id with a trailing space, "\/" for "/".
  Result<std::vector<Song>> songs =
      Parse("0 \tA Song (w\\/ A Guest)\tAn Artist\n\n1\tAC\\/DC Song\tAC\\/DC\n", DataFormat::kYes);
  ASSERT_TRUE(songs.ok()) << songs.status().message();
  EXPECT_EQ(*songs, (std::vector<Song>{{"0", "A Song (w/ A Guest)", "An Artist"},
                                       {"1", "AC/DC Song", "AC/DC"}}));
}

TEST(Catalog, YesIdsAreNumbers) {
  Result<std::vector<Song>> songs = Parse("007\tBond\tSpy\n", DataFormat::kYes);
  ASSERT_TRUE(songs.ok());
  EXPECT_EQ((*songs)[0].id, "7");
}

// Regression: a catalog of string ids read in the default (yes) format said what it found but not
// what to do, unlike the playlist reader.
TEST(Catalog, AStringIdInTheYesFormatPointsToThePlainFormat) {
  Result<std::vector<Song>> bad = Parse("0\ta\tb\ns0\tBond\tSpy\n", DataFormat::kYes);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(
      bad.status().message(),
      "song_hash.txt:2: expected an integer song id, found 's0' (is this a plain catalog? use "
      "--format plain)");
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

namespace songvec {
namespace {

TEST(Tags, YesFormatMapsTagIdsToNamesLinePerSong) {
  std::istringstream tags("154\n#\n0 2 \n");
  std::istringstream names("0, rock\n1, pop\n2, classic rock\n154, metal");
  Result<SongTags> parsed = ParseTags(tags, "tags.txt", &names, "tag_hash.txt", DataFormat::kYes);
  ASSERT_FALSE(parsed.ok());  // tag 154 does not exist among 3 names
  EXPECT_EQ(parsed.status().message(), "tag_hash.txt:4: expected tag id 3, found 154");

  std::istringstream tags2("1\n#\n0 2 \n");
  std::istringstream names2("0, rock\n1, pop\n2, classic rock");
  parsed = ParseTags(tags2, "tags.txt", &names2, "tag_hash.txt", DataFormat::kYes);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->at("0"), (std::vector<std::string>{"pop"}));
  EXPECT_EQ(parsed->count("1"), 0u);
  EXPECT_EQ(parsed->at("2"), (std::vector<std::string>{"rock", "classic rock"}));
}

TEST(Tags, YesFormatRejectsAnUnknownTagIdNamingTheLine) {
  std::istringstream tags("0\n7\n");
  std::istringstream names("0, rock\n1, pop");
  Result<SongTags> parsed = ParseTags(tags, "tags.txt", &names, "tag_hash.txt", DataFormat::kYes);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(),
            "tags.txt:2: expected a tag id from 0 to 1 or '#', found '7'");
}

TEST(Tags, PlainFormatReadsCommaSeparatedNames) {
  std::istringstream tags("spotify:a\trock, 80s\nspotify:b\t\n");
  Result<SongTags> parsed = ParseTags(tags, "tags.tsv", nullptr, "", DataFormat::kPlain);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->at("spotify:a"), (std::vector<std::string>{"rock", "80s"}));
  std::istringstream bad("no tab here\n");
  EXPECT_EQ(ParseTags(bad, "tags.tsv", nullptr, "", DataFormat::kPlain).status().message(),
            "tags.tsv:1: expected 'song_id<TAB>tag,tag,...'");
}

}  // namespace
}  // namespace songvec
