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

Result<std::vector<Song>> ParseCatalog(std::istream& in, std::string_view name, DataFormat format) {
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
    if (format == DataFormat::kYes) {
      std::string_view id = Trim(fields[0]);
      uint64_t value;
      if (!ParseUint(id, &value)) {
        return reader.Error("expected an integer song id, found '" + std::string(fields[0]) + "'");
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

Result<std::vector<Song>> ReadCatalog(const std::string& path, DataFormat format) {
  std::ifstream file;
  SONGVEC_RETURN_IF_ERROR(OpenForReading(path, &file));
  return ParseCatalog(file, path, format);
}

}  // namespace songvec
