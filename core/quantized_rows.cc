#include "core/quantized_rows.h"

#include <immintrin.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace songvec {
namespace {

constexpr size_t kBlockRows = QuantizedRows::kBlockRows;
// How many blocks ahead Bounds() fetches.
constexpr size_t kPrefetchBlocks = 4;

float RoundDown(double x) { return -QuantizedRows::RoundUp(-x); }

// Codes of `values` (scale = max |x| / 127; all zero for a zero vector) into `codes`; returns the
// scale.
float Quantize(std::span<const float> values, int8_t* codes) {
  float max_abs = 0;
  for (float x : values) max_abs = std::max(max_abs, std::abs(x));
  const float scale = max_abs / 127.0f;
  for (size_t d = 0; d < values.size(); ++d) {
    const float code = scale > 0 ? std::nearbyint(values[d] / scale) : 0.0f;
    codes[d] = static_cast<int8_t>(std::clamp(code, -127.0f, 127.0f));
  }
  return scale;
}

}  // namespace

float QuantizedRows::RoundUp(double x) {
  const auto f = static_cast<float>(x);
  return static_cast<double>(f) >= x ? f
                                     : std::nextafter(f, std::numeric_limits<float>::infinity());
}

float QuantizedRows::BiasUp(double bias) { return RoundUp(bias + kBiasMargin * std::abs(bias)); }

QuantizedRows::Ball QuantizedRows::BallAround(const Matrix& rows, std::span<const float> bias,
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

bool QuantizedRows::Supported() {
#if defined(__x86_64__) && defined(__GNUC__)
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vnni");
#else
  return false;
#endif
}

QuantizedRows::QuantizedRows(const Matrix& rows, std::span<const float> bias,
                             std::span<const int32_t> order, std::span<const float> reach)
    : positions_(order.size()),
      groups_((static_cast<size_t>(rows.cols()) + 3) / 4),
      fields_(reach.empty() ? kReach : kReach + 1),
      lines_(blocks() * (groups_ + fields_), Line{}),
      bias_down_(positions_, 0.0f),
      present_(blocks(), 0) {
  assert(bias.empty() || bias.size() == static_cast<size_t>(rows.rows()));
  assert(reach.empty() || reach.size() == static_cast<size_t>(rows.rows()));
  // Padding positions and dimensions: code 0 (+128).
  for (size_t b = 0; b < blocks(); ++b) {
    for (size_t g = 0; g < groups_; ++g) std::fill_n(block(b)[g].bytes, 64, uint8_t{128});
  }
  const auto dim = static_cast<size_t>(rows.cols());
  std::vector<int8_t> codes(dim);
  for (size_t p = 0; p < positions_; ++p) {
    if (order[p] < 0) continue;
    const auto r = static_cast<size_t>(order[p]);
    assert(r < static_cast<size_t>(rows.rows()));
    const float* row = rows.data() + r * dim;
    const size_t b = p / kBlockRows, i = p % kBlockRows;
    present_[b] |= static_cast<uint16_t>(1u << i);
    const float scale = Quantize({row, dim}, codes.data());
    double error = 0, norm = 0;
    for (size_t d = 0; d < dim; ++d) {
      const double residual = double{row[d]} - double{scale} * codes[d];
      error += residual * residual;
      norm += double{row[d]} * row[d];
      block(b)[d / 4].bytes[i * 4 + d % 4] = static_cast<uint8_t>(codes[d] + 128);
    }
    field(b, kScale)[i] = scale;
    field(b, kCodeError)[i] = RoundUp(std::sqrt(error));
    field(b, kNorm)[i] = RoundUp(std::sqrt(norm));
    const double row_bias = bias.empty() ? 0.0 : bias[r];
    field(b, kBiasUp)[i] = BiasUp(row_bias);
    bias_down_[p] = RoundDown(row_bias - kBiasMargin * std::abs(row_bias));
    if (!reach.empty()) field(b, kReach)[i] = reach[r];
  }
}

QuantizedRows::Query QuantizedRows::Prepare(std::span<const float> query, float factor) {
  std::vector<int8_t> codes(query.size());
  Query prepared;
  const float scale = Quantize(query, codes.data());
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
  return prepared;
}

float QuantizedRows::Lower(const Query& query, size_t position, float center) const {
  const size_t b = position / kBlockRows, i = position % kBlockRows;
  const float error =
      query.code_error_weight * field(b, kCodeError)[i] + query.norm_weight * field(b, kNorm)[i];
  return (center * query.scale - error) + bias_down_[position];
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void QuantizedRows::Bounds(
    const Query& query, std::span<const uint32_t> blocks, float floor, float* upper, float* center,
    uint16_t* passing, float* best) const {
  assert(Supported() && query.groups.size() == groups_);
  const __m512i offset = _mm512_set1_epi32(query.offset);
  const __m512 query_scale = _mm512_set1_ps(query.scale);
  const __m512 error_weight = _mm512_set1_ps(query.code_error_weight);
  const __m512 norm_weight = _mm512_set1_ps(query.norm_weight);
  const __m512 reach_weight = _mm512_set1_ps(query.reach_weight);
  const __m512 threshold = _mm512_set1_ps(floor);
  const auto* groups = reinterpret_cast<const int*>(query.groups.data());
  for (size_t j = 0; j < blocks.size(); ++j) {
    const uint32_t b = blocks[j];
    assert(b < this->blocks());
    // The lines of the blocks a few ahead are on their way while this one's are summed: blocks
    // far apart cost a memory latency each, which this hides.
    for (size_t ahead = j == 0 ? 0 : kPrefetchBlocks; ahead <= kPrefetchBlocks; ++ahead) {
      if (j + ahead >= blocks.size()) break;
      for (size_t l = 0; l < groups_ + fields_; ++l) {
        _mm_prefetch(reinterpret_cast<const char*>(block(blocks[j + ahead])[l].bytes), _MM_HINT_T0);
      }
    }
    const Line* lines = block(b);
    const auto* fields = reinterpret_cast<const float*>(lines[groups_].bytes);
    // sum over dimensions of (row code + 128) * query code, less 128 * the query's code sum.
    __m512i sums = offset;
    for (size_t g = 0; g < groups_; ++g) {
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
    if (fields_ > kReach)
      up = _mm512_fmadd_ps(reach_weight, _mm512_load_ps(fields + 16 * kReach), up);
    _mm512_storeu_ps(upper + j * kBlockRows, up);
    if (center != nullptr) _mm512_storeu_ps(center + j * kBlockRows, dot);
    passing[j] = _mm512_cmp_ps_mask(up, threshold, _CMP_GE_OQ) & present_[b];
    if (best != nullptr) best[j] = _mm512_mask_reduce_max_ps(present_[b], up);
  }
}
#else
void QuantizedRows::Bounds(const Query&, std::span<const uint32_t>, float, float*, float*,
                           uint16_t*, float*) const {
  assert(false && "QuantizedRows::Bounds needs AVX-512 VNNI");
}
#endif

}  // namespace songvec
