#ifndef SONGVEC_CORE_TEXT_LINES_H_
#define SONGVEC_CORE_TEXT_LINES_H_

#include <cstdint>
#include <fstream>
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

// The bytes of the files read and their FNV-1a hash, in the order read: what a model was trained or
// evaluated on, taken while the files are parsed, so each is read once.
struct FileDigest {
  uint64_t bytes = 0;
  uint64_t fnv1a64 = kFnv1aBasis;
  size_t files = 0;  // files read into it (an MPD folder's slices)
};

// An input stream over `file` that adds every byte of it to `digest` (which must outlive it):
// what its reader takes, and at Finish() the rest of the file the reader left unread. Not
// thread-safe.
class DigestingStream : public std::istream {
 public:
  DigestingStream(std::istream& file, FileDigest* digest);
  // Adds what is left of the file to the digest, so that it covers the whole file. IoError if the
  // file could not be read.
  Status Finish(const std::string& path);

 private:
  class Buffer : public std::streambuf {
   public:
    Buffer(std::streambuf* source, FileDigest* digest) : source_(source), digest_(digest) {}
    // Refills from the source, adding what it read to the digest.
    int_type underflow() override;
    // Reads the source to its end into the digest.
    void Drain();

   private:
    std::streambuf* source_;
    FileDigest* digest_;
    char data_[1 << 16];
  };
  std::istream& file_;
  Buffer buffer_;
};

// Opens `path` and calls `parse(std::istream&)` (returning a Status) on it; where `digest` is not
// null, every byte of the file goes into it (DigestingStream), as read. IoError naming the path if
// it cannot be opened or read.
template <typename Parse>
Status ReadFile(const std::string& path, FileDigest* digest, Parse parse) {
  std::ifstream file;
  SONGVEC_RETURN_IF_ERROR(OpenForReading(path, &file));
  if (digest == nullptr) return parse(static_cast<std::istream&>(file));
  DigestingStream in(file, digest);
  SONGVEC_RETURN_IF_ERROR(parse(static_cast<std::istream&>(in)));
  return in.Finish(path);
}

}  // namespace songvec

#endif  // SONGVEC_CORE_TEXT_LINES_H_
