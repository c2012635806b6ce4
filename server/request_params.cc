#include "server/request_params.h"

#include <charconv>

#include "server/transport.h"

namespace songvec {

namespace {

// The GET parameter of `field`, its fallback when absent.
Result<int64_t> IntegerParam(const httplib::Request& req, const IntegerField& field) {
  if (!req.has_param(field.name)) return field.fallback;
  const std::string text = req.get_param_value(field.name);
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !field.Accepts(value)) {
    return Status::InvalidArgument(field.Rule() + ", got '" + text + "'");
  }
  return value;
}

}  // namespace

std::string IntegerField::Rule() const {
  return std::string(name) + " must be an integer from " + std::to_string(min) + " to " +
         std::to_string(max);
}

bool ValidSongId(const std::string& id) {
  if (id.empty() || id.size() > kMaxSongIdBytes) return false;
  for (unsigned char c : id) {
    if (c <= ' ' || c == 0x7f) return false;
  }
  return true;
}

bool ValidTag(const std::string& tag) { return !tag.empty() && tag.size() <= kMaxTagBytes; }

Result<std::string> ParseSongId(const httplib::Request& req) {
  std::string id = req.matches[1];
  if (!ValidSongId(id)) {
    return Status::InvalidArgument("song id must be 1 to 512 printable characters");
  }
  return id;
}

Result<NeighborsParams> ParseNeighborsParams(const httplib::Request& req) {
  NeighborsParams params;
  SONGVEC_ASSIGN_OR_RETURN(params.id, ParseSongId(req));
  SONGVEC_ASSIGN_OR_RETURN(params.k, IntegerParam(req, kKField));
  SONGVEC_ASSIGN_OR_RETURN(params.offset, IntegerParam(req, kOffsetField));
  SONGVEC_ASSIGN_OR_RETURN(params.max_per_artist, IntegerParam(req, kMaxPerArtistField));
  if (req.has_param("exclude_same_artist")) {
    const std::string text = req.get_param_value("exclude_same_artist");
    if (text != "true" && text != "false") {
      return Status::InvalidArgument("exclude_same_artist must be true or false, got '" + text +
                                     "'");
    }
    params.exclude_same_artist = text == "true";
  }
  if (req.has_param("tag")) {
    params.tag = req.get_param_value("tag");
    if (!ValidTag(params.tag)) return Status::InvalidArgument("tag must be 1 to 100 characters");
  }
  return params;
}

Result<SearchParams> ParseSearchParams(const httplib::Request& req) {
  SearchParams params;
  params.query = req.get_param_value("q");
  if (params.query.empty() || params.query.size() > kMaxQueryBytes) {
    return Status::InvalidArgument("q must be 1 to 200 characters: words of a title or an artist");
  }
  SONGVEC_ASSIGN_OR_RETURN(params.limit, IntegerParam(req, kLimitField));
  SONGVEC_ASSIGN_OR_RETURN(params.offset, IntegerParam(req, kOffsetField));
  return params;
}

}  // namespace songvec
