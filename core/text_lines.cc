#include "core/text_lines.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>

namespace songvec {

bool LineReader::Next(std::string_view* line) {
  if (!std::getline(in_, buffer_)) return false;
  ++line_number_;
  std::string_view view(buffer_);
  if (!view.empty() && view.back() == '\r') view.remove_suffix(1);
  *line = view;
  return true;
}

Status LineReader::Error(const std::string& reason) const {
  return Status::InvalidArgument(name_ + ":" + std::to_string(line_number_) + ": " + reason);
}

Status LineReader::Finish() const {
  if (in_.bad()) {
    return Status::IoError(name_ + ": read failed after line " + std::to_string(line_number_));
  }
  return Status();
}

std::vector<std::string_view> SplitWhitespace(std::string_view text) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) fields.push_back(text.substr(start, i - start));
  }
  return fields;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      fields.push_back(text.substr(start));
      return fields;
    }
    fields.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

std::string_view Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

bool ParseUint(std::string_view text, uint64_t* value) {
  if (text.empty() || text[0] < '0' || text[0] > '9') return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return error == std::errc() && end == text.data() + text.size();
}

Status OpenForReading(const std::string& path, std::ifstream* file) {
  file->open(path, std::ios::binary);
  if (!file->is_open()) {
    return Status::IoError("cannot open " + path + ": " + std::strerror(errno));
  }
  return Status();
}

DigestingStream::DigestingStream(std::istream& file, FileDigest* digest)
    : std::istream(nullptr), file_(file), buffer_(file.rdbuf(), digest) {
  rdbuf(&buffer_);
  ++digest->files;
}

DigestingStream::Buffer::int_type DigestingStream::Buffer::underflow() {
  const std::streamsize n = source_->sgetn(data_, sizeof(data_));
  if (n <= 0) return traits_type::eof();
  const auto read = static_cast<size_t>(n);
  digest_->fnv1a64 = Fnv1a64({data_, read}, digest_->fnv1a64);
  digest_->bytes += read;
  setg(data_, data_, data_ + n);
  return traits_type::to_int_type(data_[0]);
}

void DigestingStream::Buffer::Drain() {
  // Every byte taken in is counted already: drop what the reader left of it, then count the rest.
  do {
    setg(data_, data_, data_);
  } while (underflow() != traits_type::eof());
}

Status DigestingStream::Finish(const std::string& path) {
  buffer_.Drain();
  return file_.bad() ? Status::IoError("reading " + path + " failed") : Status();
}

}  // namespace songvec
