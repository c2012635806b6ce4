#ifndef SONGVEC_CORE_WORD2VEC_FORMAT_H_
#define SONGVEC_CORE_WORD2VEC_FORMAT_H_

#include <istream>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/embeddings.h"
#include "core/status.h"

namespace songvec {

// Vectors keyed by song id, as word2vec, gensim and fastText exchange them.
struct KeyedVectors {
  std::vector<std::string> keys;
  Matrix vectors;  // row i belongs to keys[i]
};

// The Embeddings of vectors trained elsewhere: input vectors only and counts unknown (0), so a
// Recommender of them scores kSimilar only, without a popularity term.
Embeddings ToEmbeddings(KeyedVectors vectors);

// Writes the word2vec text format: a "<rows> <dim>" line, then "<key> <v1> ... <vdim>" per row.
// Each float is written in its shortest form that reads back to the same float, so a round trip is
// exact. Keys must not contain whitespace. IoError if the stream fails.
Status WriteWord2VecText(std::ostream& out, const std::vector<std::string>& keys,
                         const Matrix& vectors);

// Reads the word2vec text format (gensim's save_word2vec_format, fastText's .vec). Rejects, naming
// the line: a bad header, a row with the wrong number of values, a value that is not a finite
// number, a repeated key, and a row count different from the header's.
Result<KeyedVectors> ReadWord2VecText(std::istream& in, std::string_view name);

// Writes the word2vec binary format: the same header line, then per row the key, a space and dim
// little-endian float32 values, then a newline (as word2vec.c writes it; gensim reads it, and
// writes it without the newline, which ReadWord2VecBinary accepts too). IoError if the stream
// fails.
Status WriteWord2VecBinary(std::ostream& out, const std::vector<std::string>& keys,
                           const Matrix& vectors);

// Reads the word2vec binary format. Rejects, naming the byte offset: a bad header, a file that ends
// inside a row, a value that is not finite, a repeated key.
Result<KeyedVectors> ReadWord2VecBinary(std::istream& in, std::string_view name);

enum class VectorFormat { kText, kBinary };
// "word2vec" (text) or "word2vec-binary".
Result<VectorFormat> ParseVectorFormat(std::string_view name);

// Reads the file at `path` in `format`.
Result<KeyedVectors> ReadVectorsFile(const std::string& path, VectorFormat format);

}  // namespace songvec

#endif  // SONGVEC_CORE_WORD2VEC_FORMAT_H_
