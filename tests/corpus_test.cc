#include "core/corpus.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <sstream>

#include "core/playlist_formats.h"
#include "tests/corpus_testing.h"

namespace songvec {
namespace {

Result<Corpus> Parse(const std::string& text, DataFormat format, CorpusStats* stats = nullptr) {
  std::istringstream in(text);
  return ParseCorpus(in, "train.txt", format, stats);
}

TEST(Corpus, ReadsYesFormatWithHeadersTrailingSpacesAndEmptyLines) {
  // As yes.com writes it: external ids, counts, then playlists each ended by a space.
  CorpusStats stats;
  Result<Corpus> corpus =
      Parse("17430147 17277121 17767569 17352501 \n3 2 1 1 \n0 1 2 \n\n3 \n1 0 3 0 \n",
            DataFormat::kYes, &stats);
  ASSERT_TRUE(corpus.ok()) << corpus.status().message();
  EXPECT_EQ(corpus->keys, (std::vector<std::string>{"0", "1", "2", "3"}));
  EXPECT_EQ(Playlists(*corpus),
            (std::vector<std::vector<std::string>>{{"0", "1", "2"}, {"1", "0", "3", "0"}}));
  EXPECT_EQ(stats.lines, 6u);
  EXPECT_EQ(stats.playlists, 2u);
  EXPECT_EQ(stats.short_playlists, 1u);
  EXPECT_EQ(stats.empty_lines, 1u);
}

TEST(Corpus, ReadsWindowsLineEndings) {
  Result<Corpus> corpus = Parse("a b\r\nc d \r\n", DataFormat::kPlain);
  ASSERT_TRUE(corpus.ok());
  EXPECT_EQ(Playlists(*corpus), (std::vector<std::vector<std::string>>{{"a", "b"}, {"c", "d"}}));
}

TEST(Corpus, RejectsANonIntegerSongNamingTheLine) {
  Result<Corpus> corpus = Parse("10 11 12 \n1 1 1 \n0 1 \n2 x1 \n", DataFormat::kYes);
  ASSERT_FALSE(corpus.ok());
  EXPECT_EQ(corpus.status().message(), "train.txt:4: expected an integer song id, found 'x1'");
}

TEST(Corpus, RejectsASongOutsideTheHeadersRange) {
  Result<Corpus> corpus = Parse("10 11 12 \n1 1 1 \n0 1 3 \n", DataFormat::kYes);
  ASSERT_FALSE(corpus.ok());
  EXPECT_EQ(corpus.status().message(),
            "train.txt:3: song id 3 is outside 0..2 declared by the header");
}

TEST(Corpus, RejectsNegativeIds) {
  Result<Corpus> corpus = Parse("10 11 \n1 1 \n0 -1 \n", DataFormat::kYes);
  ASSERT_FALSE(corpus.ok());
  EXPECT_EQ(corpus.status().message(), "train.txt:3: expected an integer song id, found '-1'");
}

TEST(Corpus, RejectsHeadersThatDisagreeAndSuggestsThePlainFormat) {
  Result<Corpus> corpus = Parse("a b c\nd e\n", DataFormat::kYes);
  ASSERT_FALSE(corpus.ok());
  EXPECT_NE(corpus.status().message().find("train.txt:2: the second header line has 2 counts but "
                                           "the first declares 3 songs"),
            std::string::npos);
  EXPECT_NE(corpus.status().message().find("--format plain"), std::string::npos);
}

TEST(Corpus, RejectsAnEmptyYesFile) {
  Result<Corpus> corpus = Parse("", DataFormat::kYes);
  ASSERT_FALSE(corpus.ok());
  EXPECT_NE(corpus.status().message().find("empty file"), std::string::npos);
}

TEST(Corpus, PlainFormatTakesStringIdsInOrderOfFirstAppearance) {
  Result<Corpus> corpus =
      Parse("spotify:track:a spotify:track:b\n\tspotify:track:b  x \nlonely\n", DataFormat::kPlain);
  ASSERT_TRUE(corpus.ok());
  EXPECT_EQ(corpus->keys,
            (std::vector<std::string>{"spotify:track:a", "spotify:track:b", "x", "lonely"}));
  EXPECT_EQ(corpus->num_playlists(), 2u);
}

TEST(Corpus, PlainFormatRejectsAnAbsurdlyLongId) {
  Result<Corpus> corpus = Parse("a " + std::string(600, 'z') + "\n", DataFormat::kPlain);
  ASSERT_FALSE(corpus.ok());
  EXPECT_NE(corpus.status().message().find("train.txt:1: a song id of 600 bytes"),
            std::string::npos);
}

TEST(Corpus, MissingFileNamesThePath) {
  Result<Corpus> corpus = ReadCorpus("/nonexistent/train.txt", DataFormat::kYes, nullptr);
  ASSERT_FALSE(corpus.ok());
  EXPECT_EQ(corpus.status().code(), Status::Code::kIoError);
  EXPECT_NE(corpus.status().message().find("/nonexistent/train.txt"), std::string::npos);
}

// The bytes of every file read, in order, as DescribeFile's hash used to read them a second time.
uint64_t HashOfFiles(const std::vector<std::string>& paths, uint64_t* bytes) {
  uint64_t hash = kFnv1aBasis;
  *bytes = 0;
  for (const std::string& path : paths) {
    std::ifstream file(path, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    hash = Fnv1a64(text, hash);
    *bytes += text.size();
  }
  return hash;
}

// Reading a file takes its digest on the way, the whole file's, in one read: a single file, an MPD
// folder's slices in the order read (MpdSliceFiles), and a file whose reader stops early.
TEST(Corpus, ReadingTakesTheDigestOfEveryByteOfTheFiles) {
  const std::string csv = std::string(SONGVEC_FIXTURES) + "/nowplaying.csv";
  FileDigest digest;
  ASSERT_TRUE(ReadCorpus(csv, DataFormat::kCsv, nullptr, nullptr, &digest).ok());
  uint64_t bytes = 0;
  EXPECT_EQ(digest.fnv1a64, HashOfFiles({csv}, &bytes));
  EXPECT_EQ(digest.bytes, bytes);
  EXPECT_EQ(digest.files, 1u);

  const std::string mpd = std::string(SONGVEC_FIXTURES) + "/mpd";
  Result<std::vector<std::string>> slices = MpdSliceFiles(mpd);
  ASSERT_TRUE(slices.ok());
  digest = FileDigest();
  ASSERT_TRUE(ReadCorpus(mpd, DataFormat::kMpd, nullptr, nullptr, &digest).ok());
  EXPECT_EQ(digest.fnv1a64, HashOfFiles(*slices, &bytes));
  EXPECT_EQ(digest.bytes, bytes);
  EXPECT_EQ(digest.files, slices->size());

  digest = FileDigest();
  ASSERT_TRUE(ReadFile(csv, &digest, [](std::istream& in) {
                in.get();  // one byte, and the rest left unread
                return Status();
              }).ok());
  EXPECT_EQ(digest.fnv1a64, HashOfFiles({csv}, &bytes));
  EXPECT_EQ(digest.bytes, bytes);
}

TEST(Corpus, WriteThenParseIsTheSameCorpusInBothFormats) {
  for (DataFormat format : {DataFormat::kYes, DataFormat::kPlain}) {
    Corpus corpus;
    corpus.keys = {"0", "1", "2", "3"};
    corpus.AddPlaylist(std::vector<int32_t>{0, 1, 2});
    corpus.AddPlaylist(std::vector<int32_t>{3, 3, 1});
    std::stringstream text;
    ASSERT_TRUE(WriteCorpus(text, corpus, format).ok());
    Result<Corpus> back = ParseCorpus(text, "written", format, nullptr);
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(Playlists(*back), Playlists(corpus));
  }
}

TEST(Corpus, YesWriterCountsAppearancesInTheHeader) {
  Corpus corpus;
  corpus.keys = {"0", "1", "2"};
  corpus.AddPlaylist(std::vector<int32_t>{0, 1, 0});
  std::stringstream text;
  ASSERT_TRUE(WriteCorpus(text, corpus, DataFormat::kYes).ok());
  EXPECT_EQ(text.str(), "0 1 2 \n2 1 0 \n0 1 0 \n");
}

}  // namespace
}  // namespace songvec

namespace songvec {
namespace {

TEST(Corpus, SplitIsReproducibleByPlaylistAndProportional) {
  Corpus corpus;
  corpus.keys = {"0", "1", "2"};
  for (int i = 0; i < 10000; ++i) corpus.AddPlaylist(std::vector<int32_t>{i % 3, (i + 1) % 3});
  const CorpusSplit a = SplitCorpus(corpus, 0.1, 0.2, 7);
  const CorpusSplit b = SplitCorpus(corpus, 0.1, 0.2, 7);
  EXPECT_EQ(a.test.tokens, b.test.tokens);
  EXPECT_EQ(a.validation.offsets, b.validation.offsets);
  EXPECT_EQ(a.train.num_playlists() + a.validation.num_playlists() + a.test.num_playlists(),
            10000u);
  EXPECT_NEAR(static_cast<double>(a.test.num_playlists()), 2000, 150);
  EXPECT_NEAR(static_cast<double>(a.validation.num_playlists()), 1000, 120);
  EXPECT_EQ(a.train.keys, corpus.keys);
  const CorpusSplit c = SplitCorpus(corpus, 0.1, 0.2, 8);
  EXPECT_NE(a.test.tokens, c.test.tokens);
}

}  // namespace
}  // namespace songvec
