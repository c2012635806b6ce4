#include "core/playlist_formats.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/catalog.h"
#include "core/corpus.h"
#include "tests/corpus_testing.h"

namespace songvec {
namespace {

// The made-up MPD slices and CSV rows of tests/fixtures (no real playlist, song or artist).
const std::string kFixtures = SONGVEC_FIXTURES;

std::string Track(int n) { return "spotify:track:fake000000000000000000" + std::to_string(n); }

Status ParseError(const std::string& text, DataFormat format, const CsvColumns& columns = {}) {
  std::istringstream in(text);
  return ParseCorpus(in, "x.json", CorpusFormat(format, columns), nullptr).status();
}

void ExpectError(const Status& status, const std::string& message) {
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(status.message(), message);
}

// A folder of slices reads in slice order, songs by track_uri in the arrays' order, named from the
// same files; single-song and empty playlists are dropped and counted, a song without names is
// counted and kept.
TEST(MpdFormat, ReadsAFolderOfSlicesWithTheirSongs) {
  CorpusStats stats;
  std::vector<Song> songs;
  Result<Corpus> corpus = ReadCorpus(kFixtures + "/mpd", DataFormat::kMpd, &stats, &songs);
  ASSERT_TRUE(corpus.ok()) << corpus.status().message();
  EXPECT_EQ(Playlists(*corpus),
            (std::vector<std::vector<std::string>>{{Track(1), Track(2), Track(3), Track(1)},
                                                   {Track(4), Track(5), Track(2)},
                                                   {Track(4), Track(6), Track(5)}}));
  EXPECT_EQ(stats.files, 2u);
  EXPECT_EQ(stats.playlists, 3u);
  EXPECT_EQ(stats.short_playlists, 1u);  // pid 1
  EXPECT_EQ(stats.empty_lines, 1u);      // pid 4
  EXPECT_EQ(stats.unnamed_songs, 1u);    // track 6, in the trimmed slice
  ASSERT_EQ(songs.size(), 6u);
  EXPECT_EQ(songs[1], (Song{Track(2), "Salt, Rope & Tar", "The Paper Lanterns"}));
  EXPECT_EQ(songs[2], (Song{Track(3), "\"Quiet\" Water", "Mira Okon\u00e9"}));
  EXPECT_EQ(songs[5], (Song{Track(6), "", ""}));
  // The catalog of a folder is the same songs.
  Result<std::vector<Song>> catalog = ReadCatalog(kFixtures + "/mpd", DataFormat::kMpd);
  ASSERT_TRUE(catalog.ok()) << catalog.status().message();
  EXPECT_EQ(*catalog, songs);
}

TEST(MpdFormat, SlicesAreOrderedByTheirFirstPlaylistAndOtherFilesIgnored) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("songvec_mpd_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  for (const char* name : {"mpd.slice.1000-1999.json", "mpd.slice.0-999.json", "notes.json",
                           "mpd.slice.200-299.json"}) {
    std::ofstream(dir / name) << "{}";
  }
  Result<std::vector<std::string>> files = MpdSliceFiles(dir.string());
  ASSERT_TRUE(files.ok()) << files.status().message();
  EXPECT_EQ(*files, (std::vector<std::string>{(dir / "mpd.slice.0-999.json").string(),
                                              (dir / "mpd.slice.200-299.json").string(),
                                              (dir / "mpd.slice.1000-1999.json").string()}));
  // "{}" has no playlists: the first slice's name is in the error.
  const Status empty = ReadCorpus(dir.string(), DataFormat::kMpd, nullptr).status();
  ExpectError(empty, (dir / "mpd.slice.0-999.json").string() +
                         ": no \"playlists\" array (is this an MPD slice?)");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  ExpectError(MpdSliceFiles(dir.string()).status(),
              dir.string() + ": no MPD slices (mpd.slice.*.json) in this folder");
  std::filesystem::remove_all(dir);
  EXPECT_EQ(MpdSliceFiles(dir.string()).status().code(), Status::Code::kIoError);
}

// Errors name the file, the playlist (its pid, or its place before a pid is seen) and the track.
TEST(MpdFormat, BadSlicesAreRefusedNamingFileAndPlaylist) {
  const std::string head =
      R"({"playlists": [{"pid": 0, "tracks": [{"track_uri": "a"}, {"track_uri": "b"}]}, )";
  ExpectError(
      ParseError(head + R"({"pid": 7, "tracks": [{"track_uri": "c"}, {"track_name": "x"}]}]})",
                 DataFormat::kMpd),
      "x.json: playlist pid 7: track 1 has no track_uri");
  ExpectError(ParseError(head + R"({"tracks": [{"track_uri": 12}]}]})", DataFormat::kMpd),
              "x.json: playlist 2 (no pid yet): track 0: track_uri is not a string");
  ExpectError(ParseError(head + R"({"pid": 9, "tracks": [{"track_uri": "two words"}]}]})",
                         DataFormat::kMpd),
              "x.json: playlist pid 9: track 0: track_uri 'two words' contains whitespace");
  ExpectError(ParseError(head + R"({"pid": 9, "tracks": {"track_uri": "c"}}]})", DataFormat::kMpd),
              "x.json: playlist pid 9: \"tracks\" is an object, not an array");
  ExpectError(ParseError(R"([{"pid": 1}])", DataFormat::kMpd),
              "x.json: expected an object with a \"playlists\" array, found an array");
  ExpectError(ParseError(head + R"({"pid": 8, "tracks": [{"track_uri": "c")", DataFormat::kMpd),
              "x.json: parse error at line 1, column 119: syntax error while parsing object - "
              "unexpected end of input; expected '}' (byte 119)");
}

// The #nowplaying layout: quoted fields with blanks after the commas, doubled quotes, commas and a
// line break inside fields; a playlist is (user, name), a song (artist, track) with a derived id;
// a row without an artist is dropped and counted.
TEST(CsvFormat, ReadsQuotedRowsIntoPlaylistsOfUserAndName) {
  CorpusStats stats;
  std::vector<Song> songs;
  Result<Corpus> corpus =
      ReadCorpus(kFixtures + "/nowplaying.csv", DataFormat::kCsv, &stats, &songs);
  ASSERT_TRUE(corpus.ok()) << corpus.status().message();
  const std::string lights = CsvSongId("The Paper Lanterns", "Harbour Lights");
  const std::string salt = CsvSongId("The Paper Lanterns", "Salt, Rope & Tar");
  const std::string quiet = CsvSongId("Mira Okon\u00e9", "\"Quiet\" Water");
  const std::string mile = CsvSongId("Kestrel Union", "Mile Marker 9");
  const std::string glow = CsvSongId("Kestrel Union", "Sodium Glow");
  const std::string two = CsvSongId("Mira Okon\u00e9", "A Song\nWith Two Lines");
  EXPECT_EQ(Playlists(*corpus), (std::vector<std::vector<std::string>>{
                                    {lights, salt, quiet, lights}, {mile, glow}, {mile, two}}));
  EXPECT_EQ(stats.dropped_rows, 1u);
  EXPECT_EQ(stats.playlists, 3u);
  EXPECT_EQ(stats.lines, 11u);
  ASSERT_EQ(songs.size(), 6u);
  EXPECT_EQ(songs[2], (Song{quiet, "\"Quiet\" Water", "Mira Okon\u00e9"}));
  EXPECT_EQ(songs[5], (Song{two, "A Song\nWith Two Lines", "Mira Okon\u00e9"}));
  // Ids are the same in every run: a fixed hash, whitespace-free.
  EXPECT_EQ(CsvSongId("a", "b"), "csv:e5eaa319043b0991");  // FNV-1a 64 of "a\x1fb"
  EXPECT_NE(CsvSongId("a", "b"), CsvSongId("a b", ""));
  EXPECT_NE(CsvSongId("ab", "c"), CsvSongId("a", "bc"));
}

TEST(CsvFormat, ColumnsAreNamedByOptionsAndTheUserMayBeLeftOut) {
  Result<CsvColumns> columns = ParseCsvColumns(",Artist,Title,List");
  ASSERT_TRUE(columns.ok()) << columns.status().message();
  EXPECT_EQ(columns->user, "");
  EXPECT_EQ(columns->track, "Title");
  std::istringstream in("List,Title,Artist,Owner\nmix,s1,a,u1\nmix,s2,a,u2\nother,s1,a,u1\n");
  Result<Corpus> corpus =
      ParseCorpus(in, "rows.csv", CorpusFormat(DataFormat::kCsv, *columns), nullptr);
  ASSERT_TRUE(corpus.ok()) << corpus.status().message();
  // Without a user column both users' "mix" rows are one playlist; "other" has a single song.
  EXPECT_EQ(Playlists(*corpus),
            (std::vector<std::vector<std::string>>{{CsvSongId("a", "s1"), CsvSongId("a", "s2")}}));
  for (const char* bad : {"a,b,c", "u,a,,p", "u,a,t,p,x"}) {
    const Status status = ParseCsvColumns(bad).status();
    EXPECT_EQ(status.code(), Status::Code::kInvalidArgument);
    EXPECT_NE(status.message().find("USER,ARTIST,TRACK,PLAYLIST"), std::string::npos) << bad;
  }
}

TEST(CsvFormat, MalformedRowsAreRefusedNamingTheLine) {
  const std::string header = "\"user_id\",\"artistname\",\"trackname\",\"playlistname\"\n";
  ExpectError(ParseError(header + "u,a,t,p\nu,a,t\n", DataFormat::kCsv),
              "x.json:3: 3 fields, but the header has 4");
  ExpectError(ParseError(header + "u,a,t,p\n\"u,a,t,p\nu,a\n", DataFormat::kCsv),
              "x.json:3: a quoted field is never closed");
  ExpectError(ParseError(header + "\"u\" x,a,t,p\n", DataFormat::kCsv),
              "x.json:2: text after the closing quote of field 1");
  ExpectError(ParseError("user,artist,track,playlist\n", DataFormat::kCsv),
              "x.json:1: no column 'user_id' in the header (user, artist, track, playlist); name "
              "the columns with --csv-columns USER,ARTIST,TRACK,PLAYLIST");
  ExpectError(ParseError("", DataFormat::kCsv),
              "x.json:0: empty file; a CSV file starts with a header row");
}

// split writes the songs a described format names as a plain catalog: it reads back the same.
TEST(CatalogFormat, WrittenCatalogsReadBackAsPlainOnes) {
  const std::vector<Song> songs = {{"csv:00000000000000aa", "A Song\nWith Two Lines", "Mira"},
                                   {"spotify:track:x", "Tab\there", ""},
                                   {"spotify:track:y", "", ""}};
  std::stringstream out;
  ASSERT_TRUE(WriteCatalog(out, songs).ok());
  Result<std::vector<Song>> back = ParseCatalog(out, "songs.tsv", DataFormat::kPlain);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, (std::vector<Song>{{"csv:00000000000000aa", "A Song With Two Lines", "Mira"},
                                      {"spotify:track:x", "Tab here", ""},
                                      {"spotify:track:y", "", ""}}));
}

}  // namespace
}  // namespace songvec
