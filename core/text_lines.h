#ifndef SONGVEC_CORE_TEXT_LINES_H_
#define SONGVEC_CORE_TEXT_LINES_H_

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace songvec {

// Reads a text file line by line, keeping the line number for error messages. Strips a final '\r'
// so files written on Windows read the same. Not thread-safe.
class LineReader {
 public:
  LineReader(std::istream& in, std::string_view name) : in_(in), name_(name) {}

  // The next line without its terminator, or false at the end of the input.
  bool Next(std::string_view* line);
  // 1-based number of the line last returned.
  size_t line_number() const { return line_number_; }
  // InvalidArgument "name:line: reason".
  Status Error(const std::string& reason) const;
  // IoError if the stream failed for a reason other than reaching its end.
  Status Finish() const;

 private:
  std::istream& in_;
  std::string name_;
  std::string buffer_;
  size_t line_number_ = 0;
};

// Splits on runs of spaces and tabs; empty fields are never returned.
std::vector<std::string_view> SplitWhitespace(std::string_view text);

// Splits on every occurrence of `separator`; empty fields are kept.
std::vector<std::string_view> Split(std::string_view text, char separator);

// `text` without leading and trailing spaces and tabs.
std::string_view Trim(std::string_view text);

// Parses a whole decimal integer (no sign, no spaces); false if `text` is anything else or
// overflows.
bool ParseUint(std::string_view text, uint64_t* value);

// 64-bit FNV-1a of `bytes`, continuing from `hash` (the offset basis to start): a stable hash, the
// same on every machine and run, for ids and for telling whether two runs read the same files.
constexpr uint64_t kFnv1aBasis = 14695981039346656037ULL;
inline uint64_t Fnv1a64(std::string_view bytes, uint64_t hash = kFnv1aBasis) {
  for (char c : bytes) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return hash;
}

// Opens `path` for reading, or IoError naming the path and the system's reason.
Status OpenForReading(const std::string& path, std::ifstream* file);

}  // namespace songvec

#endif  // SONGVEC_CORE_TEXT_LINES_H_
