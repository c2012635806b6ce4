#ifndef SONGVEC_CORE_EMBEDDINGS_H_
#define SONGVEC_CORE_EMBEDDINGS_H_

#include <Eigen/Core>

#include "core/vocabulary.h"

namespace songvec {

// One vector per row, rows contiguous: row r is the song vocabulary.key(r).
using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
// Read access to a Matrix or to rows laid out with any stride (an index's padded rows).
using MatrixRef = Eigen::Ref<const Matrix, 0, Eigen::OuterStride<>>;

// A trained model's numbers: the vocabulary and both SGNS matrices. Plain data; thread-compatible.
struct Embeddings {
  Vocabulary vocabulary;
  // The songs' own vectors (word2vec's syn0): what "songs like X" compares by cosine.
  Matrix input;
  // The vectors songs have as predicted context (syn1neg): input(a) . output(b) scores "b follows
  // a".
  Matrix output;

  int dim() const { return static_cast<int>(input.cols()); }
};

}  // namespace songvec

#endif  // SONGVEC_CORE_EMBEDDINGS_H_
