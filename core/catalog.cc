#include "core/catalog.h"

#include <fstream>
#include <unordered_map>

#include "core/text_lines.h"

namespace songvec {
namespace {

std::string Unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '/') ++i;
    out.push_back(text[i]);
  }
  return out;
}

}  // namespace

Result<std::vector<Song>> ParseCatalog(std::istream& in, std::string_view name,
                                       const CorpusFormat& format) {
  if (DescribesSongs(format.data)) {
    std::vector<Song> songs;
    SONGVEC_RETURN_IF_ERROR(ParseCorpus(in, name, format, nullptr, &songs).status());
    return songs;
  }
  LineReader reader(in, name);
  std::vector<Song> songs;
  std::unordered_map<std::string, size_t> line_of_id;
  std::string_view line;
  while (reader.Next(&line)) {
    if (Trim(line).empty()) continue;
    std::vector<std::string_view> fields = Split(line, '\t');
    if (fields.size() != 3) {
      return reader.Error("expected 3 tab-separated fields (id, title, artist), found " +
                          std::to_string(fields.size()));
    }
    Song song;
    if (format.data == DataFormat::kYes) {
      std::string_view id = Trim(fields[0]);
      uint64_t value;
      if (!ParseUint(id, &value)) {
        return reader.Error("expected an integer song id, found '" + std::string(fields[0]) +
                            "' (is this a plain catalog? use --format plain)");
      }
      // Playlists name songs by their number, so "0042" in the catalog is song "42".
      song = {std::to_string(value), Unescape(fields[1]), Unescape(fields[2])};
    } else {
      if (fields[0].empty() || fields[0].find(' ') != std::string_view::npos) {
        return reader.Error("song id '" + std::string(fields[0]) +
                            "' is empty or contains whitespace");
      }
      song = {std::string(fields[0]), std::string(fields[1]), std::string(fields[2])};
    }
    auto [it, inserted] = line_of_id.try_emplace(song.id, reader.line_number());
    if (!inserted) {
      return reader.Error("song id '" + song.id + "' already appeared on line " +
                          std::to_string(it->second));
    }
    songs.push_back(std::move(song));
  }
  SONGVEC_RETURN_IF_ERROR(reader.Finish());
  return songs;
}

Result<std::vector<Song>> ReadCatalog(const std::string& path, const CorpusFormat& format,
                                      FileDigest* digest) {
  std::vector<Song> songs;
  if (DescribesSongs(format.data)) {
    SONGVEC_RETURN_IF_ERROR(ReadCorpus(path, format, nullptr, &songs, digest).status());
    return songs;
  }
  SONGVEC_RETURN_IF_ERROR(ReadFile(path, digest, [&](std::istream& in) -> Status {
    SONGVEC_ASSIGN_OR_RETURN(songs, ParseCatalog(in, path, format));
    return Status();
  }));
  return songs;
}

Status WriteCatalog(std::ostream& out, const std::vector<Song>& songs) {
  auto field = [&out](const std::string& text) {
    for (char c : text) out << (c == '\t' || c == '\n' || c == '\r' ? ' ' : c);
  };
  for (const Song& song : songs) {
    out << song.id << '\t';
    field(song.title);
    out << '\t';
    field(song.artist);
    out << '\n';
  }
  out.flush();
  if (!out) return Status::IoError("writing the catalog failed");
  return Status();
}

namespace {

// tag_hash.txt: "id, name" per line (the last one without a newline).
Result<std::vector<std::string>> ParseTagNames(std::istream& in, std::string_view name) {
  LineReader reader(in, name);
  std::vector<std::string> names;
  std::string_view line;
  while (reader.Next(&line)) {
    if (Trim(line).empty()) continue;
    const size_t comma = line.find(',');
    uint64_t id;
    if (comma == std::string_view::npos || !ParseUint(Trim(line.substr(0, comma)), &id)) {
      return reader.Error("expected 'id, name'");
    }
    if (id != names.size()) {
      return reader.Error("expected tag id " + std::to_string(names.size()) + ", found " +
                          std::to_string(id));
    }
    names.emplace_back(Trim(line.substr(comma + 1)));
  }
  SONGVEC_RETURN_IF_ERROR(reader.Finish());
  return names;
}

}  // namespace

Result<SongTags> ParseTags(std::istream& tags, std::string_view tags_name, std::istream* names,
                           std::string_view names_name, DataFormat format) {
  SongTags result;
  LineReader reader(tags, tags_name);
  std::string_view line;
  if (format == DataFormat::kYes) {
    SONGVEC_ASSIGN_OR_RETURN(std::vector<std::string> tag_names, ParseTagNames(*names, names_name));
    // Line i holds the tags of song i.
    while (reader.Next(&line)) {
      if (Trim(line) == "#") continue;
      std::vector<std::string>& song_tags = result[std::to_string(reader.line_number() - 1)];
      for (std::string_view field : SplitWhitespace(line)) {
        uint64_t tag;
        if (!ParseUint(field, &tag) || tag >= tag_names.size()) {
          return reader.Error("expected a tag id from 0 to " +
                              std::to_string(tag_names.size() - 1) + " or '#', found '" +
                              std::string(field) + "'");
        }
        song_tags.push_back(tag_names[tag]);
      }
    }
  } else {
    while (reader.Next(&line)) {
      if (Trim(line).empty()) continue;
      std::vector<std::string_view> fields = Split(line, '\t');
      if (fields.size() != 2) return reader.Error("expected 'song_id<TAB>tag,tag,...'");
      std::vector<std::string>& song_tags = result[std::string(fields[0])];
      for (std::string_view tag : Split(fields[1], ',')) {
        if (!Trim(tag).empty()) song_tags.emplace_back(Trim(tag));
      }
    }
  }
  SONGVEC_RETURN_IF_ERROR(reader.Finish());
  return result;
}

Result<SongTags> ReadTags(const std::string& tags_path, const std::string& names_path,
                          DataFormat format) {
  std::ifstream tags;
  SONGVEC_RETURN_IF_ERROR(OpenForReading(tags_path, &tags));
  std::ifstream names;
  if (format == DataFormat::kYes) SONGVEC_RETURN_IF_ERROR(OpenForReading(names_path, &names));
  return ParseTags(tags, tags_path, &names, names_path, format);
}

}  // namespace songvec
