#include "core/word2vec_format.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <fstream>
#include <unordered_map>

#include "core/text_lines.h"

namespace songvec {
namespace {

// Makes room in `vectors` for row `row` of the `rows` a header declares. Capacity doubles as rows
// arrive instead of trusting the header, which a damaged or hostile file sets to anything: 13 bytes
// of header must not allocate gigabytes.
void GrowFor(size_t row, uint64_t rows, Matrix* vectors) {
  if (row < static_cast<size_t>(vectors->rows())) return;
  const uint64_t capacity = std::min<uint64_t>(std::max<uint64_t>(2 * row, 64), rows);
  vectors->conservativeResize(static_cast<Eigen::Index>(capacity), vectors->cols());
}

}  // namespace

Embeddings ToEmbeddings(KeyedVectors vectors) {
  const auto rows = static_cast<size_t>(vectors.vectors.rows());
  return {Vocabulary(std::move(vectors.keys), std::vector<int64_t>(rows, 0)),
          std::move(vectors.vectors), Matrix()};
}

Status WriteWord2VecText(std::ostream& out, const std::vector<std::string>& keys,
                         const Matrix& vectors) {
  out << vectors.rows() << ' ' << vectors.cols() << '\n';
  std::string line;
  char buffer[32];
  for (Eigen::Index r = 0; r < vectors.rows(); ++r) {
    line = keys[r];
    for (Eigen::Index c = 0; c < vectors.cols(); ++c) {
      auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), vectors(r, c));
      line += ' ';
      line.append(buffer, end);
    }
    line += '\n';
    out << line;
  }
  out.flush();
  if (!out) return Status::IoError("writing vectors failed");
  return Status();
}

Result<KeyedVectors> ReadWord2VecText(std::istream& in, std::string_view name) {
  LineReader reader(in, name);
  std::string_view line;
  if (!reader.Next(&line)) return reader.Error("empty file; expected a '<rows> <dim>' header");
  std::vector<std::string_view> header = SplitWhitespace(line);
  uint64_t rows = 0, dim = 0;
  if (header.size() != 2 || !ParseUint(header[0], &rows) || !ParseUint(header[1], &dim) ||
      dim == 0 || dim > 4096) {
    return reader.Error("expected a '<rows> <dim>' header with dim 1..4096, found '" +
                        std::string(line.substr(0, 80)) + "'");
  }
  KeyedVectors result;
  result.vectors.resize(0, static_cast<Eigen::Index>(dim));
  std::unordered_map<std::string, size_t> line_of_key;
  size_t row = 0;
  while (reader.Next(&line)) {
    if (Trim(line).empty()) continue;
    std::vector<std::string_view> fields = SplitWhitespace(line);
    if (fields.size() != dim + 1) {
      return reader.Error("expected a key and " + std::to_string(dim) + " values, found " +
                          std::to_string(fields.size() - 1) + " values");
    }
    if (row >= rows) {
      return reader.Error("more rows than the " + std::to_string(rows) + " the header declares");
    }
    auto [it, inserted] = line_of_key.try_emplace(std::string(fields[0]), reader.line_number());
    if (!inserted) {
      return reader.Error("key '" + std::string(fields[0]) + "' already appeared on line " +
                          std::to_string(it->second));
    }
    GrowFor(row, rows, &result.vectors);
    for (size_t c = 0; c < dim; ++c) {
      std::string_view field = fields[c + 1];
      float value;
      auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
      if (error != std::errc() || end != field.data() + field.size() || !std::isfinite(value)) {
        return reader.Error("value " + std::to_string(c + 1) + " of key '" +
                            std::string(fields[0]) + "' is not a finite number: '" +
                            std::string(field) + "'");
      }
      result.vectors(static_cast<Eigen::Index>(row), static_cast<Eigen::Index>(c)) = value;
    }
    result.keys.emplace_back(fields[0]);
    ++row;
  }
  SONGVEC_RETURN_IF_ERROR(reader.Finish());
  if (row != rows) {
    return Status::InvalidArgument(std::string(name) + ": the header declares " +
                                   std::to_string(rows) + " rows but the file has " +
                                   std::to_string(row));
  }
  return result;
}

Status WriteWord2VecBinary(std::ostream& out, const std::vector<std::string>& keys,
                           const Matrix& vectors) {
  static_assert(std::endian::native == std::endian::little, "the format is little-endian float32");
  out << vectors.rows() << ' ' << vectors.cols() << '\n';
  for (Eigen::Index r = 0; r < vectors.rows(); ++r) {
    out << keys[r] << ' ';
    out.write(reinterpret_cast<const char*>(vectors.row(r).data()),
              static_cast<std::streamsize>(vectors.cols() * sizeof(float)));
    out << '\n';
  }
  out.flush();
  if (!out) return Status::IoError("writing vectors failed");
  return Status();
}

Result<KeyedVectors> ReadWord2VecBinary(std::istream& in, std::string_view name) {
  auto error = [&](uint64_t offset, const std::string& what) {
    return Status::InvalidArgument(std::string(name) + ": byte " + std::to_string(offset) + ": " +
                                   what);
  };
  std::string header;
  if (!std::getline(in, header)) return error(0, "empty file; expected a '<rows> <dim>' header");
  std::vector<std::string_view> fields = SplitWhitespace(header);
  uint64_t rows = 0, dim = 0;
  if (fields.size() != 2 || !ParseUint(fields[0], &rows) || !ParseUint(fields[1], &dim) ||
      dim == 0 || dim > 4096) {
    return error(0, "expected a '<rows> <dim>' header with dim 1..4096, found '" +
                        header.substr(0, 80) + "'");
  }
  KeyedVectors result;
  result.vectors.resize(0, static_cast<Eigen::Index>(dim));
  std::unordered_map<std::string, uint64_t> offset_of_key;
  std::vector<float> values(dim);
  uint64_t offset = header.size() + 1;
  for (uint64_t row = 0; row < rows; ++row) {
    // The key runs to the next space; newlines before it end the previous row.
    std::string key;
    int c;
    while ((c = in.get()) == '\n') ++offset;
    const uint64_t key_offset = offset;
    while (c != EOF && c != ' ') {
      if (key.size() > 512)
        return error(key_offset, "a key of over 512 bytes: not a vectors file?");
      key.push_back(static_cast<char>(c));
      ++offset;
      c = in.get();
    }
    if (c == EOF) {
      return error(offset, "the file ends after " + std::to_string(row) + " of the " +
                               std::to_string(rows) + " rows the header declares");
    }
    ++offset;  // the space
    in.read(reinterpret_cast<char*>(values.data()),
            static_cast<std::streamsize>(dim * sizeof(float)));
    if (static_cast<uint64_t>(in.gcount()) != dim * sizeof(float)) {
      return error(offset, "the file ends inside the vector of key '" + key + "'");
    }
    for (uint64_t i = 0; i < dim; ++i) {
      if (!std::isfinite(values[i])) {
        return error(offset + i * sizeof(float),
                     "value " + std::to_string(i + 1) + " of key '" + key + "' is not finite");
      }
    }
    auto [it, inserted] = offset_of_key.try_emplace(key, key_offset);
    if (!inserted) {
      return error(key_offset,
                   "key '" + key + "' already appeared at byte " + std::to_string(it->second));
    }
    GrowFor(row, rows, &result.vectors);
    std::copy(values.begin(), values.end(),
              result.vectors.row(static_cast<Eigen::Index>(row)).data());
    result.keys.push_back(std::move(key));
    offset += dim * sizeof(float);
  }
  return result;
}

Result<VectorFormat> ParseVectorFormat(std::string_view name) {
  if (name == "word2vec") return VectorFormat::kText;
  if (name == "word2vec-binary") return VectorFormat::kBinary;
  return Status::InvalidArgument("unknown vectors format '" + std::string(name) +
                                 "' (expected word2vec or word2vec-binary)");
}

Result<KeyedVectors> ReadVectorsFile(const std::string& path, VectorFormat format) {
  std::ifstream file;
  SONGVEC_RETURN_IF_ERROR(OpenForReading(path, &file));
  return format == VectorFormat::kText ? ReadWord2VecText(file, path)
                                       : ReadWord2VecBinary(file, path);
}

}  // namespace songvec
