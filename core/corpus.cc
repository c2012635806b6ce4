#include "core/corpus.h"

#include <algorithm>
#include <cassert>
#include <fstream>

#include "core/catalog.h"
#include "core/playlist_formats.h"
#include "core/random.h"
#include "core/text_lines.h"

namespace songvec {
namespace {

Result<Corpus> ParseYes(LineReader& reader, CorpusStats* stats) {
  std::string_view line;
  if (!reader.Next(&line)) {
    return reader.Error("empty file; the yes.com format starts with a line of song ids");
  }
  const size_t declared = SplitWhitespace(line).size();
  if (declared == 0) return reader.Error("the first line (the songs' external ids) is empty");
  if (!reader.Next(&line))
    return reader.Error("missing the second header line (appearance counts)");
  const size_t counts = SplitWhitespace(line).size();
  if (counts != declared) {
    return reader.Error("the second header line has " + std::to_string(counts) +
                        " counts but the first declares " + std::to_string(declared) +
                        " songs (is this a plain playlist file? use --format plain)");
  }

  Corpus corpus;
  corpus.keys.reserve(declared);
  for (size_t id = 0; id < declared; ++id) corpus.keys.push_back(std::to_string(id));
  std::vector<int32_t> playlist;
  while (reader.Next(&line)) {
    playlist.clear();
    for (std::string_view field : SplitWhitespace(line)) {
      uint64_t id;
      if (!ParseUint(field, &id)) {
        return reader.Error("expected an integer song id, found '" + std::string(field) + "'");
      }
      if (id >= declared) {
        return reader.Error("song id " + std::string(field) + " is outside 0.." +
                            std::to_string(declared - 1) + " declared by the header");
      }
      playlist.push_back(static_cast<int32_t>(id));
    }
    CountPlaylist(playlist.size(), stats);
    if (playlist.size() >= 2) corpus.AddPlaylist(playlist);
  }
  return corpus;
}

// Parses one file of `format` from `in` into `corpus`, whose songs `songs` keeps (null for kYes).
Status ParseInto(std::istream& in, std::string_view name, const CorpusFormat& format,
                 SongTable* songs, Corpus* corpus, CorpusStats* stats) {
  ++stats->files;
  switch (format.data) {
    case DataFormat::kYes: {
      LineReader reader(in, name);
      Result<Corpus> parsed = ParseYes(reader, stats);
      if (!parsed.ok()) return parsed.status();
      *corpus = std::move(parsed).value();
      stats->lines = reader.line_number();
      return reader.Finish();
    }
    case DataFormat::kPlain:
      return ParsePlainPlaylists(in, name, songs, corpus, stats);
    case DataFormat::kMpd:
      return ParseMpdSlice(in, name, songs, corpus, stats);
    case DataFormat::kCsv:
      return ParseCsvPlaylists(in, name, format.csv, songs, corpus, stats);
  }
  return Status::Internal("unknown format");
}

// The songs of a finished read, into `songs` if wanted, their unnamed ones counted.
void FinishSongs(const CorpusFormat& format, SongTable* table, CorpusStats* stats,
                 std::vector<Song>* songs) {
  if (!DescribesSongs(format.data)) return;
  std::vector<Song> described = table->TakeSongs();
  for (const Song& song : described) {
    stats->unnamed_songs += song.title.empty() && song.artist.empty() ? 1 : 0;
  }
  if (songs != nullptr) *songs = std::move(described);
}

}  // namespace

Result<DataFormat> ParseDataFormat(std::string_view name) {
  if (name == "yes") return DataFormat::kYes;
  if (name == "plain") return DataFormat::kPlain;
  if (name == "mpd") return DataFormat::kMpd;
  if (name == "csv") return DataFormat::kCsv;
  return Status::InvalidArgument("unknown format '" + std::string(name) +
                                 "' (expected yes, plain, mpd or csv)");
}

bool DescribesSongs(DataFormat format) {
  return format == DataFormat::kMpd || format == DataFormat::kCsv;
}

Result<CsvColumns> ParseCsvColumns(std::string_view text) {
  const std::vector<std::string_view> names = Split(text, ',');
  if (names.size() != 4 || std::any_of(names.begin() + 1, names.end(),
                                       [](std::string_view n) { return Trim(n).empty(); })) {
    return Status::InvalidArgument(
        "--csv-columns expects four column names, USER,ARTIST,TRACK,PLAYLIST (USER may be empty), "
        "got '" +
        std::string(text) + "'");
  }
  return CsvColumns{std::string(Trim(names[0])), std::string(Trim(names[1])),
                    std::string(Trim(names[2])), std::string(Trim(names[3]))};
}

void Corpus::AddPlaylist(std::span<const int32_t> songs) {
  tokens.insert(tokens.end(), songs.begin(), songs.end());
  offsets.push_back(tokens.size());
}

Result<Corpus> ParseCorpus(std::istream& in, std::string_view name, const CorpusFormat& format,
                           CorpusStats* stats, std::vector<Song>* songs) {
  CorpusStats local;
  if (stats == nullptr) stats = &local;
  *stats = CorpusStats();
  Corpus corpus;
  SongTable table(&corpus);
  SONGVEC_RETURN_IF_ERROR(ParseInto(in, name, format, &table, &corpus, stats));
  FinishSongs(format, &table, stats, songs);
  return corpus;
}

Status WriteCorpus(std::ostream& out, const Corpus& corpus, DataFormat format) {
  if (format == DataFormat::kYes) {
    std::vector<int64_t> counts(corpus.keys.size(), 0);
    for (int32_t token : corpus.tokens) ++counts[token];
    for (size_t id = 0; id < corpus.keys.size(); ++id) {
      assert(corpus.keys[id] == std::to_string(id) && "the yes format names songs by number");
      out << id << ' ';
    }
    out << '\n';
    for (int64_t count : counts) out << count << ' ';
    out << '\n';
  }
  const char* end_of_line = format == DataFormat::kYes ? " \n" : "\n";
  for (size_t p = 0; p < corpus.num_playlists(); ++p) {
    std::span<const int32_t> playlist = corpus.playlist(p);
    for (size_t i = 0; i < playlist.size(); ++i) {
      if (i > 0) out << ' ';
      out << corpus.keys[playlist[i]];
    }
    out << end_of_line;
  }
  out.flush();
  if (!out) return Status::IoError("writing playlists failed");
  return Status();
}

Result<Corpus> ReadCorpus(const std::string& path, const CorpusFormat& format, CorpusStats* stats,
                          std::vector<Song>* songs, FileDigest* digest) {
  if (format.data != DataFormat::kMpd) {
    Corpus corpus;
    SONGVEC_RETURN_IF_ERROR(ReadFile(path, digest, [&](std::istream& in) -> Status {
      SONGVEC_ASSIGN_OR_RETURN(corpus, ParseCorpus(in, path, format, stats, songs));
      return Status();
    }));
    return corpus;
  }
  // MPD: the slices one after the other, their songs in one table.
  SONGVEC_ASSIGN_OR_RETURN(std::vector<std::string> files, MpdSliceFiles(path));
  CorpusStats local;
  if (stats == nullptr) stats = &local;
  *stats = CorpusStats();
  Corpus corpus;
  SongTable table(&corpus);
  for (const std::string& slice : files) {
    SONGVEC_RETURN_IF_ERROR(ReadFile(slice, digest, [&](std::istream& in) {
      return ParseInto(in, slice, format, &table, &corpus, stats);
    }));
  }
  FinishSongs(format, &table, stats, songs);
  return corpus;
}

CorpusSplit SplitCorpus(const Corpus& corpus, double validation_share, double test_share,
                        uint64_t seed) {
  CorpusSplit split;
  split.train.keys = split.validation.keys = split.test.keys = corpus.keys;
  for (size_t p = 0; p < corpus.num_playlists(); ++p) {
    // One fresh generator per playlist: its draw does not depend on the playlists before it.
    Random rng(seed * 0x9e3779b97f4a7c15ULL + p);
    const double x = rng.UniformDouble();
    Corpus& part = x < test_share                      ? split.test
                   : x < test_share + validation_share ? split.validation
                                                       : split.train;
    part.AddPlaylist(corpus.playlist(p));
  }
  return split;
}

}  // namespace songvec
