#include "core/isa.h"

#include <cstdlib>
#include <fstream>
#include <vector>

#include "core/lanes.h"

namespace songvec {
namespace {

constexpr Isa kLevels[] = {Isa::kScalar, Isa::kVec128, Isa::kAvx2, Isa::kAvx512};

bool Runs(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
    case Isa::kVec128:
      return true;
    case Isa::kAvx2:
#if defined(SONGVEC_X86)
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
      return false;
#endif
    case Isa::kAvx512:
#if defined(SONGVEC_HAS_AVX512)
      return Runs(Isa::kAvx2) && __builtin_cpu_supports("avx512f") &&
             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
#else
      return false;
#endif
  }
  return false;
}

std::string Names(std::span<const Isa> levels) {
  std::string names;
  for (Isa isa : levels) names += (names.empty() ? "" : ", ") + std::string(IsaName(isa));
  return names;
}

}  // namespace

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return "scalar";
    case Isa::kVec128:
#if defined(__aarch64__)
      return "neon";
#else
      return "sse2";
#endif
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
  }
  return "unknown";
}

Result<Isa> ParseIsa(const std::string& name) {
  for (Isa isa : kLevels) {
    if (name == IsaName(isa)) return isa;
  }
  return Status::InvalidArgument("unknown SIMD level '" + name + "' (expected one of " +
                                 Names(kLevels) + ")");
}

std::span<const Isa> SupportedIsas() {
  static const std::vector<Isa> supported = [] {
    std::vector<Isa> levels;
    for (Isa isa : kLevels) {
      if (Runs(isa)) levels.push_back(isa);
    }
    return levels;
  }();
  return supported;
}

const Result<Isa>& ConfiguredIsa() {
  static const Result<Isa> configured = []() -> Result<Isa> {
    const char* value = std::getenv("SONGVEC_ISA");
    if (value == nullptr || *value == '\0') return SupportedIsas().back();
    Result<Isa> isa = ParseIsa(value);
    if (!isa.ok()) return isa.status().WithContext("SONGVEC_ISA");
    for (Isa supported : SupportedIsas()) {
      if (supported == *isa) return isa;
    }
    return Status::InvalidArgument(std::string("SONGVEC_ISA=") + value +
                                   ": this CPU or build cannot run it (it can run " +
                                   Names(SupportedIsas()) + ")");
  }();
  return configured;
}

Isa DefaultIsa() { return ConfiguredIsa().ok() ? *ConfiguredIsa() : SupportedIsas().back(); }

std::string CpuModelName() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    // x86: "model name\t: ...". aarch64 kernels have no model name; "CPU part" is a number.
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos && colon + 2 <= line.size()) return line.substr(colon + 2);
    }
  }
  return "unknown";
}

}  // namespace songvec
