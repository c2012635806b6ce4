#ifndef SONGVEC_CORE_CATALOG_H_
#define SONGVEC_CORE_CATALOG_H_

#include <istream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/corpus.h"
#include "core/status.h"

namespace songvec {

// A song as users see it. `id` is the same external id playlists use.
struct Song {
  std::string id;
  std::string title;
  std::string artist;
  std::vector<std::string> tags = {};  // e.g. Last.fm's "rock", "80s"; may be empty

  bool operator==(const Song&) const = default;
};

// Parses a song catalog: one `id<TAB>title<TAB>artist` line per song (blank lines skipped).
// kYes: the id is an integer and may carry spaces around it (yes_complete's has a trailing one),
// and the data's JSON-style "\/" escapes are turned back into "/" ("w\/ A Guest" becomes "w/ A
// Guest"). kPlain: the id is taken verbatim and must not contain whitespace; titles are taken as
// they are. A line without exactly three fields, a bad id or a repeated id is InvalidArgument
// naming the line. kMpd, kCsv: the songs the playlists in `in` name (ParseCorpus).
Result<std::vector<Song>> ParseCatalog(std::istream& in, std::string_view name,
                                       const CorpusFormat& format);

// ParseCatalog on the file at `path` (kMpd: a folder of slices, as ReadCorpus reads it), its bytes
// into `digest` where not null, as ReadCorpus.
Result<std::vector<Song>> ReadCatalog(const std::string& path, const CorpusFormat& format,
                                      FileDigest* digest = nullptr);

// Writes `songs` in the plain catalog format, so that ParseCatalog(kPlain) reads them back (tabs
// and line breaks in names become spaces). IoError if the stream fails.
Status WriteCatalog(std::ostream& out, const std::vector<Song>& songs);

// Tags by song id.
using SongTags = std::unordered_map<std::string, std::vector<std::string>>;

// Parses song tags.
// kYes: `tags` is yes.com's tags.txt, line i holding the tag ids of song i separated by spaces, or
// "#" for none; `names` is its tag_hash.txt, "id, name" per line.
// kPlain: `tags` holds "song_id<TAB>tag,tag,..." lines; `names` is not read (may be null).
// A malformed line or an unknown tag id is InvalidArgument naming the file and line.
Result<SongTags> ParseTags(std::istream& tags, std::string_view tags_name, std::istream* names,
                           std::string_view names_name, DataFormat format);

// ParseTags on files; `names_path` is ignored for kPlain.
Result<SongTags> ReadTags(const std::string& tags_path, const std::string& names_path,
                          DataFormat format);

}  // namespace songvec

#endif  // SONGVEC_CORE_CATALOG_H_
