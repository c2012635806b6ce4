#ifndef SONGVEC_CORE_ISA_H_
#define SONGVEC_CORE_ISA_H_

#include <span>
#include <string>

#include "core/status.h"

namespace songvec {

// The SIMD levels songvec's kernels (SGNS updates, search scoring and bounds) are compiled for. One
// binary holds every level its target allows and picks one at run time, so a portable build runs
// vectorised on whatever CPU it lands on. Every level computes what the scalar one does (up to the
// order of float rounding), and the tests hold each level the CPU has against it (faiss's
// SIMDLevel::NONE, usearch's serial level).
enum class Isa {
  kScalar,  // plain C++, one float at a time: the reference
  kVec128,  // 4 floats per vector: SSE2 (every x86-64 CPU) or NEON (every aarch64 CPU)
  kAvx2,    // 8 floats: AVX2 and FMA (x86-64-v3)
  kAvx512,  // 16 floats: AVX-512 F, BW, DQ, VL and VNNI (x86-64-v4 with VNNI)
};

// "scalar", "sse2" (or "neon" on aarch64), "avx2", "avx512".
const char* IsaName(Isa isa);
// The level IsaName() names; InvalidArgument listing the names otherwise.
Result<Isa> ParseIsa(const std::string& name);

// The levels this build holds and this CPU runs, scalar first, best last. A build for a chosen
// CPU leaves out the levels above it: with -march=x86-64-v3 there is no AVX-512 code at all.
std::span<const Isa> SupportedIsas();

// The level kernels use unless a caller picks one: the environment variable SONGVEC_ISA (read once
// per process) when set and non-empty, else the best of SupportedIsas(). Fails with
// InvalidArgument naming the variable when it names no level, or one this CPU or build cannot run;
// the binaries refuse to start then.
const Result<Isa>& ConfiguredIsa();
// ConfiguredIsa(), or the best supported level where it failed.
Isa DefaultIsa();

// The CPU's model name (from /proc/cpuinfo on Linux), or "unknown": benchmarks print it beside
// the level they ran.
std::string CpuModelName();

}  // namespace songvec

#endif  // SONGVEC_CORE_ISA_H_
