#include "core/quantized_rows.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include "core/lanes.h"

#if defined(SONGVEC_X86)
#include <immintrin.h>
#endif

namespace songvec {
namespace {

constexpr size_t kBlockRows = QuantizedRows::kBlockRows;
// How many blocks ahead Bounds() fetches.
constexpr size_t kPrefetchBlocks = 4;

float RoundDown(double x) { return -QuantizedRows::RoundUp(-x); }

// Codes of `values` (scale = max |x| / max_code; all zero for a zero vector) into `codes`; returns
// the scale.
float Quantize(std::span<const float> values, float max_code, int8_t* codes) {
  float max_abs = 0;
  for (float x : values) max_abs = std::max(max_abs, std::abs(x));
  const float scale = max_abs / max_code;
  for (size_t d = 0; d < values.size(); ++d) {
    const float code = scale > 0 ? std::nearbyint(values[d] / scale) : 0.0f;
    codes[d] = static_cast<int8_t>(std::clamp(code, -max_code, max_code));
  }
  return scale;
}

// The largest query code of a level: vpmaddubsw adds two products of a row code + 128 (up to 255)
// and a query code into a saturating int16, so AVX2 needs 2 * 255 * 64 <= 32767.
float MaxQueryCode(Isa isa) { return isa == Isa::kAvx2 ? 64.0f : 127.0f; }

}  // namespace

// The three ways to compute Bounds(). Every level sums a row's code products exactly in int32,
// then takes the same float steps (a fused multiply-add where a level has one, std::fma in the
// scalar code), so the levels' bounds are equal bit for bit.
struct BoundsLevels {
  using Query = QuantizedRows::Query;
  static constexpr auto kScale = QuantizedRows::kScale, kCodeError = QuantizedRows::kCodeError,
                        kNorm = QuantizedRows::kNorm, kBiasUp = QuantizedRows::kBiasUp,
                        kBiasDown = QuantizedRows::kBiasDown, kReach = QuantizedRows::kReach;

  static QuantizedRows::BoundsKernel For(Isa isa) {
    switch (isa) {
#if defined(SONGVEC_HAS_AVX512)
      case Isa::kAvx512:
        return Avx512Vnni;
#endif
#if defined(SONGVEC_X86)
      case Isa::kAvx2:
        return Avx2;
#endif
      default:
        return Scalar;
    }
  }

  // The blocks a few ahead are on their way while one's codes are summed: blocks far apart cost a
  // memory latency each, which this hides.
  static SONGVEC_INLINE void Prefetch(const QuantizedRows& q, std::span<const uint32_t> blocks,
                                      size_t j) {
    for (size_t ahead = j == 0 ? 0 : kPrefetchBlocks; ahead <= kPrefetchBlocks; ++ahead) {
      if (j + ahead >= blocks.size()) break;
      for (size_t l = 0; l < q.groups_ + q.fields_; ++l) {
        __builtin_prefetch(q.block(blocks[j + ahead])[l].bytes);
      }
    }
  }

  static void Scalar(const QuantizedRows& q, const Query& query, std::span<const uint32_t> blocks,
                     const float* center_up, const float* center_down, float floor, float* upper,
                     float* lower, uint16_t* passing, float* best) {
    assert(query.groups.size() == q.groups_);
    for (size_t j = 0; j < blocks.size(); ++j) {
      const uint32_t b = blocks[j];
      assert(b < q.blocks());
      Prefetch(q, blocks, j);
      const QuantizedRows::Line* lines = q.block(b);
      uint16_t mask = 0;
      float highest = -std::numeric_limits<float>::infinity();
      for (size_t i = 0; i < kBlockRows; ++i) {
        // sum over dimensions of (row code + 128) * query code, less 128 * the query's code sum.
        int32_t sum = query.offset;
        for (size_t g = 0; g < q.groups_; ++g) {
          for (size_t d = 0; d < 4; ++d) {
            const auto query_code = static_cast<int8_t>(query.groups[g] >> (8 * d));
            sum += int32_t{lines[g].bytes[i * 4 + d]} * query_code;
          }
        }
        const float dot = static_cast<float>(sum) * q.field(b, kScale)[i];
        const float error = std::fma(query.code_error_weight, q.field(b, kCodeError)[i],
                                     query.norm_weight * q.field(b, kNorm)[i]);
        float up = std::fma(dot, query.scale, error) + q.field(b, kBiasUp)[i];
        if (q.fields_ > kReach) up = std::fma(query.reach_weight, q.field(b, kReach)[i], up);
        if (center_up != nullptr) up += center_up[j];
        upper[j * kBlockRows + i] = up;
        if (lower != nullptr) {
          float low = std::fma(dot, query.scale, -error) + q.field(b, kBiasDown)[i];
          if (center_down != nullptr) low += center_down[j];
          lower[j * kBlockRows + i] = low;
        }
        if ((q.present_[b] >> i) & 1) {
          if (up >= floor) mask |= static_cast<uint16_t>(1u << i);
          highest = std::max(highest, up);
        }
      }
      passing[j] = mask;
      if (best != nullptr) best[j] = highest;
    }
  }

#if defined(SONGVEC_X86)
  // Eight rows' float steps, from their int32 sums: the upper bounds (stored), the lower ones
  // (stored if wanted), and the mask of those at or above the floor.
  SONGVEC_TARGET_AVX2 static SONGVEC_INLINE __m256
  Finish8(const QuantizedRows& q, const Query& query, uint32_t b, size_t half, __m256i sums,
          const float* center_up, const float* center_down, float* upper, float* lower) {
    const size_t at = 8 * half;  // (no lambda: it would not be compiled for AVX2)
    const __m256 dot =
        _mm256_mul_ps(_mm256_cvtepi32_ps(sums), _mm256_load_ps(q.field(b, kScale) + at));
    const __m256 error = _mm256_fmadd_ps(
        _mm256_set1_ps(query.code_error_weight), _mm256_load_ps(q.field(b, kCodeError) + at),
        _mm256_mul_ps(_mm256_set1_ps(query.norm_weight), _mm256_load_ps(q.field(b, kNorm) + at)));
    const __m256 scale = _mm256_set1_ps(query.scale);
    __m256 up =
        _mm256_add_ps(_mm256_fmadd_ps(dot, scale, error), _mm256_load_ps(q.field(b, kBiasUp) + at));
    if (q.fields_ > kReach) {
      up = _mm256_fmadd_ps(_mm256_set1_ps(query.reach_weight),
                           _mm256_load_ps(q.field(b, kReach) + at), up);
    }
    if (center_up != nullptr) up = _mm256_add_ps(up, _mm256_set1_ps(*center_up));
    _mm256_storeu_ps(upper, up);
    if (lower != nullptr) {
      __m256 low = _mm256_add_ps(_mm256_fmsub_ps(dot, scale, error),
                                 _mm256_load_ps(q.field(b, kBiasDown) + at));
      if (center_down != nullptr) low = _mm256_add_ps(low, _mm256_set1_ps(*center_down));
      _mm256_storeu_ps(lower, low);
    }
    return up;
  }

  SONGVEC_TARGET_AVX2 static void Avx2(const QuantizedRows& q, const Query& query,
                                       std::span<const uint32_t> blocks, const float* center_up,
                                       const float* center_down, float floor, float* upper,
                                       float* lower, uint16_t* passing, float* best) {
    assert(query.groups.size() == q.groups_);
    const __m256i ones = _mm256_set1_epi16(1);
    const __m256 threshold = _mm256_set1_ps(floor);
    const auto* groups = reinterpret_cast<const int*>(query.groups.data());
    for (size_t j = 0; j < blocks.size(); ++j) {
      const uint32_t b = blocks[j];
      assert(b < q.blocks());
      Prefetch(q, blocks, j);
      const QuantizedRows::Line* lines = q.block(b);
      // Rows 0-7 in the first 32 bytes of each line, 8-15 in the second. vpmaddubsw: (code + 128)
      // * query code, summed in pairs of dimensions; vpmaddwd by 1: pairs into fours.
      __m256i low = _mm256_set1_epi32(query.offset), high = low;
      for (size_t g = 0; g < q.groups_; ++g) {
        const __m256i codes = _mm256_set1_epi32(groups[g]);
        const auto* line = reinterpret_cast<const __m256i*>(lines[g].bytes);
        low = _mm256_add_epi32(
            low, _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_load_si256(line), codes), ones));
        high = _mm256_add_epi32(
            high,
            _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_load_si256(line + 1), codes), ones));
      }
      float* up = upper + j * kBlockRows;
      float* low_bounds = lower == nullptr ? nullptr : lower + j * kBlockRows;
      const float* up_term = center_up == nullptr ? nullptr : center_up + j;
      const float* down_term = center_down == nullptr ? nullptr : center_down + j;
      const __m256 up_low = Finish8(q, query, b, 0, low, up_term, down_term, up, low_bounds);
      const __m256 up_high = Finish8(q, query, b, 1, high, up_term, down_term, up + 8,
                                     low_bounds == nullptr ? nullptr : low_bounds + 8);
      const unsigned reaching =
          static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(up_low, threshold, _CMP_GE_OQ))) |
          static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(up_high, threshold, _CMP_GE_OQ)))
              << 8;
      passing[j] = static_cast<uint16_t>(reaching & q.present_[b]);
      if (best != nullptr) {
        float highest = -std::numeric_limits<float>::infinity();
        for (unsigned present = q.present_[b]; present != 0; present &= present - 1) {
          highest = std::max(highest, up[__builtin_ctz(present)]);
        }
        best[j] = highest;
      }
    }
  }
#endif

#if defined(SONGVEC_HAS_AVX512)
  SONGVEC_TARGET_AVX512 static void Avx512Vnni(const QuantizedRows& q, const Query& query,
                                               std::span<const uint32_t> blocks,
                                               const float* center_up, const float* center_down,
                                               float floor, float* upper, float* lower,
                                               uint16_t* passing, float* best) {
    assert(query.groups.size() == q.groups_);
    const __m512i offset = _mm512_set1_epi32(query.offset);
    const __m512 query_scale = _mm512_set1_ps(query.scale);
    const __m512 error_weight = _mm512_set1_ps(query.code_error_weight);
    const __m512 norm_weight = _mm512_set1_ps(query.norm_weight);
    const __m512 reach_weight = _mm512_set1_ps(query.reach_weight);
    const __m512 threshold = _mm512_set1_ps(floor);
    const auto* groups = reinterpret_cast<const int*>(query.groups.data());
    for (size_t j = 0; j < blocks.size(); ++j) {
      const uint32_t b = blocks[j];
      assert(b < q.blocks());
      Prefetch(q, blocks, j);
      const QuantizedRows::Line* lines = q.block(b);
      const auto* fields = reinterpret_cast<const float*>(lines[q.groups_].bytes);
      // sum over dimensions of (row code + 128) * query code, less 128 * the query's code sum.
      __m512i sums = offset;
      for (size_t g = 0; g < q.groups_; ++g) {
        sums = _mm512_dpbusd_epi32(sums, _mm512_load_si512(lines[g].bytes),
                                   _mm512_set1_epi32(groups[g]));
      }
      const __m512 dot =
          _mm512_mul_ps(_mm512_cvtepi32_ps(sums), _mm512_load_ps(fields + 16 * kScale));
      const __m512 error =
          _mm512_fmadd_ps(error_weight, _mm512_load_ps(fields + 16 * kCodeError),
                          _mm512_mul_ps(norm_weight, _mm512_load_ps(fields + 16 * kNorm)));
      __m512 up = _mm512_add_ps(_mm512_fmadd_ps(dot, query_scale, error),
                                _mm512_load_ps(fields + 16 * kBiasUp));
      if (q.fields_ > kReach)
        up = _mm512_fmadd_ps(reach_weight, _mm512_load_ps(fields + 16 * kReach), up);
      if (center_up != nullptr) up = _mm512_add_ps(up, _mm512_set1_ps(center_up[j]));
      _mm512_storeu_ps(upper + j * kBlockRows, up);
      if (lower != nullptr) {
        __m512 low = _mm512_add_ps(_mm512_fmsub_ps(dot, query_scale, error),
                                   _mm512_load_ps(fields + 16 * kBiasDown));
        if (center_down != nullptr) low = _mm512_add_ps(low, _mm512_set1_ps(center_down[j]));
        _mm512_storeu_ps(lower + j * kBlockRows, low);
      }
      passing[j] = _mm512_cmp_ps_mask(up, threshold, _CMP_GE_OQ) & q.present_[b];
      if (best != nullptr) best[j] = _mm512_mask_reduce_max_ps(q.present_[b], up);
    }
  }
#endif
};

float QuantizedRows::RoundUp(double x) {
  const auto f = static_cast<float>(x);
  return static_cast<double>(f) >= x ? f
                                     : std::nextafter(f, std::numeric_limits<float>::infinity());
}

float QuantizedRows::BiasUp(double bias) { return RoundUp(bias + kBiasMargin * std::abs(bias)); }

QuantizedRows::Ball QuantizedRows::BallAround(const MatrixRef& rows, std::span<const float> bias,
                                              std::span<const int32_t> members,
                                              Eigen::VectorXf* center) {
  assert(!members.empty());
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(rows.cols());
  for (int32_t r : members) sum += rows.row(r).transpose().cast<double>();
  *center = (sum / static_cast<double>(members.size())).cast<float>();
  // q . row = q . center + q . (row - center) <= q . center + ||q|| ||row - center||, and both
  // the bound's float dot product and the row's exact score are within margin * ||q|| (||center||
  // + ||row - center||) of the real numbers'.
  const Eigen::VectorXd exact_center = center->cast<double>();
  double distance = 0, max_bias = -std::numeric_limits<double>::infinity();
  for (int32_t r : members) {
    distance = std::max(distance, (rows.row(r).transpose().cast<double>() - exact_center).norm());
    max_bias = std::max(max_bias, bias.empty() ? 0.0 : double{bias[r]});
  }
  const double margin = DotMargin(static_cast<size_t>(rows.cols()));
  return {RoundUp(distance + margin * (exact_center.norm() + distance)), BiasUp(max_bias)};
}

QuantizedRows::QuantizedRows(const MatrixRef& rows, std::span<const float> bias,
                             std::span<const int32_t> order, const Matrix* centers,
                             std::span<const float> reach, Isa isa)
    : isa_(isa),
      bounds_(BoundsLevels::For(isa)),
      positions_(order.size()),
      groups_((static_cast<size_t>(rows.cols()) + 3) / 4),
      fields_(reach.empty() ? kReach : kReach + 1),
      lines_(blocks() * (groups_ + fields_), Line{}),
      present_(blocks(), 0) {
  assert(bias.empty() || bias.size() == static_cast<size_t>(rows.rows()));
  assert(reach.empty() || reach.size() == static_cast<size_t>(rows.rows()));
  assert(centers == nullptr ||
         (static_cast<size_t>(centers->rows()) == blocks() && centers->cols() == rows.cols()));
  // Padding positions and dimensions: code 0 (+128).
  for (size_t b = 0; b < blocks(); ++b) {
    for (size_t g = 0; g < groups_; ++g) std::fill_n(block(b)[g].bytes, 64, uint8_t{128});
  }
  const auto dim = static_cast<size_t>(rows.cols());
  if (centers != nullptr) {
    centers_ = *centers;
    magnitude_.assign(blocks(), 0.0f);
  }
  std::vector<double> offset(dim);  // the row less its block's center
  std::vector<float> coded(dim);
  std::vector<int8_t> codes(dim);
  for (size_t p = 0; p < positions_; ++p) {
    if (order[p] < 0) continue;
    const auto r = static_cast<size_t>(order[p]);
    assert(r < static_cast<size_t>(rows.rows()));
    const float* row = rows.row(static_cast<Eigen::Index>(r)).data();
    const size_t b = p / kBlockRows, i = p % kBlockRows;
    present_[b] |= static_cast<uint16_t>(1u << i);
    double norm = 0;
    for (size_t d = 0; d < dim; ++d) {
      offset[d] = double{row[d]} - (centers == nullptr ? 0.0 : double{(*centers)(b, d)});
      coded[d] = static_cast<float>(offset[d]);
      norm += double{row[d]} * row[d];
    }
    const float scale = Quantize(coded, 127.0f, codes.data());
    double error = 0, offset_norm = 0;
    for (size_t d = 0; d < dim; ++d) {
      const double residual = offset[d] - double{scale} * codes[d];
      error += residual * residual;
      offset_norm += offset[d] * offset[d];
      block(b)[d / 4].bytes[i * 4 + d % 4] = static_cast<uint8_t>(codes[d] + 128);
    }
    field(b, kScale)[i] = scale;
    field(b, kCodeError)[i] = RoundUp(std::sqrt(error));
    field(b, kNorm)[i] = RoundUp(std::sqrt(offset_norm));
    const double row_bias = bias.empty() ? 0.0 : bias[r];
    field(b, kBiasUp)[i] = BiasUp(row_bias);
    field(b, kBiasDown)[i] = RoundDown(row_bias - kBiasMargin * std::abs(row_bias));
    if (!reach.empty()) field(b, kReach)[i] = reach[r];
    if (centers != nullptr) {
      magnitude_[b] = std::max(magnitude_[b], RoundUp(std::sqrt(norm)));
    }
  }
  for (size_t b = 0; b < magnitude_.size(); ++b) {
    magnitude_[b] = RoundUp(double{magnitude_[b]} +
                            centers_.row(static_cast<Eigen::Index>(b)).cast<double>().norm());
  }
}

QuantizedRows::Query QuantizedRows::Prepare(std::span<const float> query, float factor) const {
  std::vector<int8_t> codes(query.size());
  Query prepared;
  const float scale = Quantize(query, MaxQueryCode(isa_), codes.data());
  prepared.groups.assign((query.size() + 3) / 4, 0);
  double coded = 0, error = 0, norm = 0;
  int32_t sum = 0;
  for (size_t d = 0; d < query.size(); ++d) {
    const double value = double{scale} * codes[d];
    coded += value * value;
    error += (query[d] - value) * (query[d] - value);
    norm += double{query[d]} * query[d];
    sum += codes[d];
    prepared.groups[d / 4] |= static_cast<uint32_t>(static_cast<uint8_t>(codes[d]))
                              << (8 * (d % 4));
  }
  prepared.offset = -128 * sum;
  prepared.scale = scale * factor;
  // |q.x - sq sx (cq.cx)| <= ||sq cq|| ||x - sx cx|| + ||q - sq cq|| ||x|| exactly; the weights
  // get a margin of 1e-4 for the rounding of the norms themselves.
  const double f = double{factor} * (1 + 1e-4);
  prepared.code_error_weight = RoundUp(std::sqrt(coded) * f);
  prepared.norm_weight =
      RoundUp((std::sqrt(error) + DotMargin(query.size()) * std::sqrt(norm)) * f);
  prepared.reach_weight = RoundUp(std::sqrt(norm) * f);
  // A center's term, factor * fl(q . center), is within DotMargin * ||q|| ||center|| of the real
  // q . center * factor; the margin also covers the exact score's rounding, relative to ||q||
  // ||row|| (the bounds of q . (row - center) cover only their own), and the additions.
  prepared.values =
      Eigen::Map<const Eigen::VectorXf>(query.data(), static_cast<Eigen::Index>(query.size()));
  prepared.factor = factor;
  prepared.center_margin_weight = RoundUp(2 * DotMargin(query.size()) * std::sqrt(norm) * f);
  return prepared;
}

void QuantizedRows::Bounds(const Query& query, std::span<const uint32_t> blocks, float floor,
                           float* upper, float* lower, uint16_t* passing, float* best) const {
  if (centers_.rows() == 0) {
    bounds_(*this, query, blocks, nullptr, nullptr, floor, upper, lower, passing, best);
    return;
  }
  // The centers' terms, here for every level alike (so their bounds stay equal bit for bit), a
  // few blocks at a time.
  constexpr size_t kTerms = 64;
  float up[kTerms], down[kTerms];
  for (size_t first = 0; first < blocks.size(); first += kTerms) {
    const auto some = blocks.subspan(first, std::min(kTerms, blocks.size() - first));
    for (size_t j = 0; j < some.size(); ++j) {
      const double term =
          double{query.factor} * centers_.row(static_cast<Eigen::Index>(some[j])).dot(query.values);
      const double margin = double{query.center_margin_weight} * magnitude_[some[j]];
      up[j] = RoundUp(term + margin);
      down[j] = RoundDown(term - margin);
    }
    const size_t at = first * kBlockRows;
    bounds_(*this, query, some, up, down, floor, upper + at,
            lower == nullptr ? nullptr : lower + at, passing + first,
            best == nullptr ? nullptr : best + first);
  }
}

}  // namespace songvec
