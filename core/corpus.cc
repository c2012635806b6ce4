#include "core/corpus.h"

#include <cassert>
#include <fstream>
#include <unordered_map>

#include "core/random.h"
#include "core/text_lines.h"

namespace songvec {
namespace {

// Longest song id the plain format accepts: ids are identifiers, not text, and a bound keeps a file
// without line breaks from becoming one giant "song".
constexpr size_t kMaxSongIdBytes = 512;

void CountPlaylist(size_t songs, CorpusStats* stats) {
  if (songs == 0) {
    ++stats->empty_lines;
  } else if (songs == 1) {
    ++stats->short_playlists;
  } else {
    ++stats->playlists;
  }
}

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

Result<Corpus> ParsePlain(LineReader& reader, CorpusStats* stats) {
  Corpus corpus;
  std::unordered_map<std::string, int32_t> token_of;
  std::vector<int32_t> playlist;
  std::string_view line;
  while (reader.Next(&line)) {
    playlist.clear();
    for (std::string_view field : SplitWhitespace(line)) {
      if (field.size() > kMaxSongIdBytes) {
        return reader.Error("a song id of " + std::to_string(field.size()) + " bytes (at most " +
                            std::to_string(kMaxSongIdBytes) + "); is this really a playlist file?");
      }
      auto [it, inserted] =
          token_of.try_emplace(std::string(field), static_cast<int32_t>(corpus.keys.size()));
      if (inserted) corpus.keys.emplace_back(field);
      playlist.push_back(it->second);
    }
    CountPlaylist(playlist.size(), stats);
    if (playlist.size() >= 2) corpus.AddPlaylist(playlist);
  }
  return corpus;
}

}  // namespace

Result<DataFormat> ParseDataFormat(std::string_view name) {
  if (name == "yes") return DataFormat::kYes;
  if (name == "plain") return DataFormat::kPlain;
  return Status::InvalidArgument("unknown format '" + std::string(name) +
                                 "' (expected yes or plain)");
}

void Corpus::AddPlaylist(std::span<const int32_t> songs) {
  tokens.insert(tokens.end(), songs.begin(), songs.end());
  offsets.push_back(tokens.size());
}

Result<Corpus> ParseCorpus(std::istream& in, std::string_view name, DataFormat format,
                           CorpusStats* stats) {
  CorpusStats local;
  if (stats == nullptr) stats = &local;
  *stats = CorpusStats();
  LineReader reader(in, name);
  Result<Corpus> corpus =
      format == DataFormat::kYes ? ParseYes(reader, stats) : ParsePlain(reader, stats);
  if (!corpus.ok()) return corpus;
  SONGVEC_RETURN_IF_ERROR(reader.Finish());
  stats->lines = reader.line_number();
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

Result<Corpus> ReadCorpus(const std::string& path, DataFormat format, CorpusStats* stats) {
  std::ifstream file;
  SONGVEC_RETURN_IF_ERROR(OpenForReading(path, &file));
  return ParseCorpus(file, path, format, stats);
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
