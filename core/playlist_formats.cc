#include "core/playlist_formats.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <system_error>

#include "core/text_lines.h"

namespace songvec {
namespace {

// Longest song id accepted: ids are identifiers, not text, and a bound keeps a file without line
// breaks from becoming one giant "song".
constexpr size_t kMaxSongIdBytes = 512;

// Why `id` cannot be a song id, or empty if it can.
std::string BadSongId(std::string_view id) {
  if (id.empty()) return "is empty";
  if (id.size() > kMaxSongIdBytes) {
    return "has " + std::to_string(id.size()) + " bytes (at most " +
           std::to_string(kMaxSongIdBytes) + ")";
  }
  if (std::any_of(id.begin(), id.end(), [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
      })) {
    return "contains whitespace";
  }
  return "";
}

// The parse events of one MPD slice, kept only as far as the corpus needs them: where in the
// document each event is (a stack of the containers it is in), the playlist being read and the
// track being read.
class MpdHandler : public nlohmann::json_sax<nlohmann::json> {
 public:
  MpdHandler(std::string_view name, SongTable* songs, Corpus* corpus, CorpusStats* stats)
      : name_(name), songs_(songs), corpus_(corpus), stats_(stats) {}

  // The first failure, or OK.
  const Status& status() const { return status_; }
  bool saw_playlists() const { return saw_playlists_; }

  bool null() override { return Scalar(nullptr); }
  bool boolean(bool) override { return Scalar(nullptr); }
  bool number_integer(number_integer_t value) override {
    return Scalar(nullptr, static_cast<int64_t>(value));
  }
  bool number_unsigned(number_unsigned_t value) override {
    return Scalar(nullptr, value <= INT64_MAX ? std::optional<int64_t>(value) : std::nullopt);
  }
  bool number_float(number_float_t, const string_t&) override { return Scalar(nullptr); }
  bool string(string_t& value) override { return Scalar(&value); }
  bool binary(binary_t&) override { return Scalar(nullptr); }

  bool start_object(std::size_t) override { return Open(true); }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(false); }
  bool end_array() override { return Close(); }
  bool key(string_t& key) override {
    key_ = key;
    return true;
  }

  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& error) override {
    // nlohmann's message: "[json.exception.parse_error.101] parse error at line 3, column 5: ...".
    std::string what = error.what();
    if (const size_t end = what.find("] "); end != std::string::npos) what.erase(0, end + 2);
    return Fail(what + " (byte " + std::to_string(position) + ")");
  }

 private:
  // Where a container is: only these four matter; everything else is skipped.
  enum class Place { kRoot, kPlaylists, kPlaylist, kTracks, kTrack, kOther };

  bool Open(bool object) {
    const Place parent = places_.empty() ? Place::kOther : places_.back();
    Place place = Place::kOther;
    if (places_.empty()) {
      if (!object) return Fail("expected an object with a \"playlists\" array, found an array");
      place = Place::kRoot;
    } else if (parent == Place::kRoot && key_ == "playlists") {
      if (object) return Fail("\"playlists\" is an object, not an array");
      place = Place::kPlaylists;
      saw_playlists_ = true;
    } else if (parent == Place::kPlaylists) {
      if (!object) return Fail(Where() + "is not an object");
      place = Place::kPlaylist;
      pid_.reset();
      playlist_.clear();
      track_ = 0;
    } else if (parent == Place::kPlaylist && key_ == "tracks") {
      if (object) return Fail(Where() + "\"tracks\" is an object, not an array");
      place = Place::kTracks;
    } else if (parent == Place::kTracks) {
      if (!object) return Fail(Where() + "track " + std::to_string(track_) + " is not an object");
      place = Place::kTrack;
      uri_.reset();
      title_.clear();
      artist_.clear();
    }
    places_.push_back(place);
    key_.clear();
    return true;
  }

  bool Close() {
    const Place place = places_.back();
    places_.pop_back();
    if (place == Place::kTrack) {
      if (!uri_.has_value()) {
        return Fail(Where() + "track " + std::to_string(track_) + " has no track_uri");
      }
      if (std::string bad = BadSongId(*uri_); !bad.empty()) {
        return Fail(Where() + "track " + std::to_string(track_) + ": track_uri '" +
                    uri_->substr(0, 80) + "' " + bad);
      }
      const int32_t token = songs_->Add(*uri_);
      songs_->Describe(token, title_, artist_);
      playlist_.push_back(token);
      ++track_;
    } else if (place == Place::kPlaylist) {
      CountPlaylist(playlist_.size(), stats_);
      if (playlist_.size() >= 2) corpus_->AddPlaylist(playlist_);
      ++playlist_index_;
    }
    return true;
  }

  // A value: a playlist's pid, a track's uri and names; the rest is ignored.
  bool Scalar(const std::string* text, std::optional<int64_t> number = std::nullopt) {
    if (places_.empty()) return Fail("expected an object with a \"playlists\" array");
    const Place place = places_.back();
    if (place == Place::kPlaylist && key_ == "pid") {
      pid_ = number;
    } else if (place == Place::kTrack) {
      if (key_ == "track_uri") {
        if (text == nullptr) {
          return Fail(Where() + "track " + std::to_string(track_) + ": track_uri is not a string");
        }
        uri_ = *text;
      } else if (key_ == "track_name" && text != nullptr) {
        title_ = *text;
      } else if (key_ == "artist_name" && text != nullptr) {
        artist_ = *text;
      }
    }
    key_.clear();
    return true;
  }

  // "playlist pid 17: ", or "playlist 18 (no pid): " counting from 1.
  std::string Where() const {
    if (pid_.has_value()) return "playlist pid " + std::to_string(*pid_) + ": ";
    return "playlist " + std::to_string(playlist_index_ + 1) + " (no pid yet): ";
  }

  bool Fail(const std::string& reason) {
    if (status_.ok()) status_ = Status::InvalidArgument(std::string(name_) + ": " + reason);
    return false;
  }

  std::string_view name_;
  SongTable* songs_;
  Corpus* corpus_;
  CorpusStats* stats_;
  Status status_;
  std::vector<Place> places_;
  std::string key_;
  bool saw_playlists_ = false;
  size_t playlist_index_ = 0;
  std::optional<int64_t> pid_;
  std::vector<int32_t> playlist_;
  size_t track_ = 0;  // in the playlist's array, from 0
  std::optional<std::string> uri_;
  std::string title_, artist_;
};

// The first number of an MPD slice's name ("mpd.slice.1000-1999.json" -> 1000), for ordering.
uint64_t SliceStart(const std::string& file_name) {
  uint64_t start = 0;
  size_t i = std::string_view("mpd.slice.").size();
  while (i < file_name.size() && file_name[i] >= '0' && file_name[i] <= '9') {
    start = start * 10 + static_cast<uint64_t>(file_name[i++] - '0');
  }
  return start;
}

// One CSV record: its fields, read from `reader`'s next lines (more than one where a quoted field
// holds a line break). False at the end of the input; a malformed record is an error naming its
// first line.
Result<bool> NextRecord(LineReader& reader, std::string_view name,
                        std::vector<std::string>* fields) {
  std::string_view line;
  if (!reader.Next(&line)) return false;
  const size_t first_line = reader.line_number();
  fields->clear();
  std::string field;
  size_t i = 0;
  while (true) {
    // One field: blanks, then a quoted or an unquoted value, then blanks.
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    field.clear();
    if (i < line.size() && line[i] == '"') {
      ++i;
      while (true) {
        if (i == line.size()) {
          // The quoted field goes on on the next line.
          if (!reader.Next(&line)) {
            return Status::InvalidArgument(std::string(name) + ":" + std::to_string(first_line) +
                                           ": a quoted field is never closed");
          }
          field += '\n';
          i = 0;
          continue;
        }
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += line[i++];
      }
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i < line.size() && line[i] != ',') {
        return reader.Error("text after the closing quote of field " +
                            std::to_string(fields->size() + 1));
      }
    } else {
      const size_t end = std::min(line.find(',', i), line.size());
      field.assign(Trim(line.substr(i, end - i)));
      i = end;
    }
    fields->push_back(field);
    if (i >= line.size()) return true;
    ++i;  // the comma
  }
}

}  // namespace

void CountPlaylist(size_t songs, CorpusStats* stats) {
  if (songs == 0) {
    ++stats->empty_lines;
  } else if (songs == 1) {
    ++stats->short_playlists;
  } else {
    ++stats->playlists;
  }
}

int32_t SongTable::Add(std::string_view id) {
  auto [it, inserted] =
      token_of_.try_emplace(std::string(id), static_cast<int32_t>(corpus_->keys.size()));
  if (inserted) {
    corpus_->keys.emplace_back(id);
    names_.emplace_back();
  }
  return it->second;
}

bool SongTable::Describe(int32_t token, std::string_view title, std::string_view artist) {
  auto& [known_title, known_artist] = names_[static_cast<size_t>(token)];
  if (known_title.empty() && known_artist.empty()) {
    known_title = title;
    known_artist = artist;
    return true;
  }
  return (title.empty() && artist.empty()) || (known_title == title && known_artist == artist);
}

std::vector<Song> SongTable::TakeSongs() {
  std::vector<Song> songs;
  songs.reserve(names_.size());
  for (size_t token = 0; token < names_.size(); ++token) {
    songs.push_back(
        {corpus_->keys[token], std::move(names_[token].first), std::move(names_[token].second)});
  }
  names_.clear();
  return songs;
}

Status ParsePlainPlaylists(std::istream& in, std::string_view name, SongTable* songs,
                           Corpus* corpus, CorpusStats* stats) {
  LineReader reader(in, name);
  std::vector<int32_t> playlist;
  std::string_view line;
  while (reader.Next(&line)) {
    playlist.clear();
    for (std::string_view field : SplitWhitespace(line)) {
      if (field.size() > kMaxSongIdBytes) {
        return reader.Error("a song id of " + std::to_string(field.size()) + " bytes (at most " +
                            std::to_string(kMaxSongIdBytes) + "); is this really a playlist file?");
      }
      playlist.push_back(songs->Add(field));
    }
    CountPlaylist(playlist.size(), stats);
    if (playlist.size() >= 2) corpus->AddPlaylist(playlist);
  }
  stats->lines = reader.line_number();
  return reader.Finish();
}

Status ParseMpdSlice(std::istream& in, std::string_view name, SongTable* songs, Corpus* corpus,
                     CorpusStats* stats) {
  MpdHandler handler(name, songs, corpus, stats);
  const bool parsed = nlohmann::json::sax_parse(in, &handler);
  if (!handler.status().ok()) return handler.status();
  if (!parsed) return Status::InvalidArgument(std::string(name) + ": not an MPD slice");
  if (!handler.saw_playlists()) {
    return Status::InvalidArgument(std::string(name) +
                                   ": no \"playlists\" array (is this an MPD slice?)");
  }
  if (in.bad()) return Status::IoError("reading " + std::string(name) + " failed");
  return Status();
}

Result<std::vector<std::string>> MpdSliceFiles(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_directory(path, error)) {
    if (!std::filesystem::exists(path, error)) {
      return Status::IoError("cannot open " + path + ": no such file or folder");
    }
    return std::vector<std::string>{path};
  }
  std::vector<std::filesystem::path> slices;
  for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
    const std::string file_name = entry.path().filename().string();
    if (file_name.starts_with("mpd.slice.") && file_name.ends_with(".json")) {
      slices.push_back(entry.path());
    }
  }
  if (error) return Status::IoError("cannot list " + path + ": " + error.message());
  if (slices.empty()) {
    return Status::InvalidArgument(path + ": no MPD slices (mpd.slice.*.json) in this folder");
  }
  std::sort(slices.begin(), slices.end(), [](const auto& a, const auto& b) {
    const std::string x = a.filename().string(), y = b.filename().string();
    const uint64_t sx = SliceStart(x), sy = SliceStart(y);
    return sx != sy ? sx < sy : x < y;
  });
  std::vector<std::string> files;
  for (const auto& slice : slices) files.push_back(slice.string());
  return files;
}

Status ParseCsvPlaylists(std::istream& in, std::string_view name, const CsvColumns& columns,
                         SongTable* songs, Corpus* corpus, CorpusStats* stats) {
  LineReader reader(in, name);
  std::vector<std::string> fields;
  Result<bool> header = NextRecord(reader, name, &fields);
  if (!header.ok()) return header.status();
  if (!*header) return reader.Error("empty file; a CSV file starts with a header row");
  // A UTF-8 byte order mark is not part of the first column's name.
  if (!fields.empty() && fields[0].starts_with("\xEF\xBB\xBF")) fields[0].erase(0, 3);
  std::string header_text;
  for (const std::string& field : fields) {
    header_text += (header_text.empty() ? "" : ", ") + field;
  }
  const size_t width = fields.size();
  // Each column's place in the header; the user column may be left out ("").
  auto column = [&](const std::string& wanted, size_t* at) -> Status {
    const auto it = std::find(fields.begin(), fields.end(), wanted);
    if (it == fields.end()) {
      return Status::InvalidArgument(std::string(name) + ":1: no column '" + wanted +
                                     "' in the header (" + header_text +
                                     "); name the columns with --csv-columns "
                                     "USER,ARTIST,TRACK,PLAYLIST");
    }
    *at = static_cast<size_t>(it - fields.begin());
    return Status();
  };
  size_t user = width, artist = 0, track = 0, playlist = 0;
  if (!columns.user.empty()) SONGVEC_RETURN_IF_ERROR(column(columns.user, &user));
  SONGVEC_RETURN_IF_ERROR(column(columns.artist, &artist));
  SONGVEC_RETURN_IF_ERROR(column(columns.track, &track));
  SONGVEC_RETURN_IF_ERROR(column(columns.playlist, &playlist));

  // Playlists in the order they first appear; a row may come back to an earlier one.
  std::unordered_map<std::string, size_t> playlist_of;
  std::vector<std::vector<int32_t>> playlists;
  while (true) {
    Result<bool> row = NextRecord(reader, name, &fields);
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (fields.size() == 1 && fields[0].empty()) continue;  // a blank line
    if (fields.size() != width) {
      return reader.Error(std::to_string(fields.size()) + " fields, but the header has " +
                          std::to_string(width));
    }
    const std::string& artist_name = fields[artist];
    const std::string& track_name = fields[track];
    if (artist_name.empty() || track_name.empty()) {
      ++stats->dropped_rows;
      continue;
    }
    const int32_t token = songs->Add(CsvSongId(artist_name, track_name));
    if (!songs->Describe(token, track_name, artist_name)) {
      return reader.Error("'" + artist_name + " - " + track_name +
                          "' has the id of another song (" + CsvSongId(artist_name, track_name) +
                          ")");
    }
    std::string key = user < width ? fields[user] : std::string();
    key += '\x1f';
    key += fields[playlist];
    auto [it, inserted] = playlist_of.try_emplace(std::move(key), playlists.size());
    if (inserted) playlists.emplace_back();
    playlists[it->second].push_back(token);
  }
  SONGVEC_RETURN_IF_ERROR(reader.Finish());
  for (const std::vector<int32_t>& songs_of : playlists) {
    CountPlaylist(songs_of.size(), stats);
    if (songs_of.size() >= 2) corpus->AddPlaylist(songs_of);
  }
  stats->lines = reader.line_number();
  return Status();
}

std::string CsvSongId(std::string_view artist, std::string_view track) {
  const uint64_t hash = Fnv1a64(track, Fnv1a64("\x1f", Fnv1a64(artist)));
  char id[21];
  std::snprintf(id, sizeof(id), "csv:%016" PRIx64, hash);
  return id;
}

}  // namespace songvec
