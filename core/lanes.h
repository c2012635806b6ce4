#ifndef SONGVEC_CORE_LANES_H_
#define SONGVEC_CORE_LANES_H_

// For core's kernel sources only: W floats handled as one GCC vector-extension value, so that one
// template is every SIMD level's kernel (W = 1 is the scalar reference; 4 is SSE2 or NEON, 8 AVX2,
// 16 AVX-512). A template instantiated for W is always inlined into a function compiled for its
// instruction set (SONGVEC_TARGET_*, below), which gives it one register per value: a vector wider
// than the instruction set's registers would be split and spill to the stack.

#include <cstdint>

// The x86 levels are functions compiled for their instruction sets (GCC/Clang target attributes)
// into which the portable templates below are inlined, so each level is the same code at its own
// vector width.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SONGVEC_X86 1
#define SONGVEC_TARGET_AVX2 __attribute__((target("avx2,fma")))
// A build that targets AVX2 without AVX-512 (-march=x86-64-v3) asks for no AVX-512 code.
#if !defined(__AVX2__) || defined(__AVX512F__)
#define SONGVEC_HAS_AVX512 1
#define SONGVEC_TARGET_AVX512 \
  __attribute__((target("avx2,fma,avx512f,avx512bw,avx512dq,avx512vl,avx512vnni")))
#endif
#endif

namespace songvec::lanes {

#define SONGVEC_INLINE inline __attribute__((always_inline))

// Broadcast() spreads one float over the lanes with a shuffle: GCC builds a vector written as
// {x, x, ...} one masked lane at a time.
template <int W>
struct Lanes;

template <>
struct Lanes<1> {
  using V = float;
  using I = int32_t;  // as many int32 lanes
  static SONGVEC_INLINE V Load(const float* p) { return *p; }
  static SONGVEC_INLINE void Store(float* p, V v) { *p = v; }
  static SONGVEC_INLINE V Broadcast(float x) { return x; }
  static SONGVEC_INLINE float Sum(V v) { return v; }
  static SONGVEC_INLINE I Iota() { return 0; }
  // Towards zero; the lanes must be in int32's range.
  static SONGVEC_INLINE I Truncate(V v) { return static_cast<I>(v); }
  // table[index] per lane.
  static SONGVEC_INLINE V Gather(const float* table, I index) { return table[index]; }
};

// Loads and stores at any alignment, as memcpy (one unaligned move; clang 14 ignores an aligned(4)
// on a vector alias and emitted aligned moves that fault).
#define SONGVEC_LANES_COMMON(W)                                                                   \
  using I = int32_t __attribute__((vector_size(4 * (W))));                                        \
  static SONGVEC_INLINE V Load(const float* p) {                                                  \
    V v;                                                                                          \
    __builtin_memcpy(&v, p, sizeof(V));                                                           \
    return v;                                                                                     \
  }                                                                                               \
  static SONGVEC_INLINE void Store(float* p, V v) { __builtin_memcpy(p, &v, sizeof(V)); }         \
  static SONGVEC_INLINE I Truncate(V v) { return __builtin_convertvector(v, I); }                 \
  static SONGVEC_INLINE V Gather(const float* table, I index) {                                   \
    V gathered;                                                                                   \
    for (int lane = 0; lane < (W); ++lane) gathered[lane] = table[index[lane]];                   \
    return gathered;                                                                              \
  }

template <>
struct Lanes<4> {
  using V = float __attribute__((vector_size(16)));
  SONGVEC_LANES_COMMON(4)
  static SONGVEC_INLINE I Iota() { return I{0, 1, 2, 3}; }
  static SONGVEC_INLINE V Broadcast(float x) {
    const V first = {x};
    return __builtin_shufflevector(first, first, 0, 0, 0, 0);
  }
  static SONGVEC_INLINE float Sum(V v) { return (v[0] + v[2]) + (v[1] + v[3]); }
};

template <>
struct Lanes<8> {
  using V = float __attribute__((vector_size(32)));
  SONGVEC_LANES_COMMON(8)
  static SONGVEC_INLINE I Iota() { return I{0, 1, 2, 3, 4, 5, 6, 7}; }
  static SONGVEC_INLINE V Broadcast(float x) {
    const V first = {x};
    return __builtin_shufflevector(first, first, 0, 0, 0, 0, 0, 0, 0, 0);
  }
  static SONGVEC_INLINE float Sum(V v) {
    return Lanes<4>::Sum(__builtin_shufflevector(v, v, 0, 1, 2, 3) +
                         __builtin_shufflevector(v, v, 4, 5, 6, 7));
  }
};

template <>
struct Lanes<16> {
  using V = float __attribute__((vector_size(64)));
  SONGVEC_LANES_COMMON(16)
  static SONGVEC_INLINE I Iota() { return I{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}; }
  static SONGVEC_INLINE V Broadcast(float x) {
    const V first = {x};
    return __builtin_shufflevector(first, first, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  }
  static SONGVEC_INLINE float Sum(V v) {
    return Lanes<8>::Sum(__builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
                         __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15));
  }
};

#undef SONGVEC_LANES_COMMON

}  // namespace songvec::lanes

#endif  // SONGVEC_CORE_LANES_H_
