// Microbenchmarks of the SGNS hot loops and the negative sampler, so that a change to either is
// measured in isolation: bench/sgns_bench --benchmark_repetitions=5 (see README, "Performance").
// The kernels run at DefaultIsa() (SONGVEC_ISA=scalar|sse2|avx2|avx512 picks another); the header
// names the CPU and the level.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <vector>

#include "core/isa.h"
#include "core/negative_sampler.h"
#include "core/random.h"
#include "core/sgns_kernels.h"

namespace songvec {
namespace {

// The reference workload's shape: 75k songs with Zipf-like counts, dim 32, window 20, 50 negatives,
// playlists of 170 songs (yes_complete's mean).
constexpr int kSongs = 75000;
constexpr int kPlaylist = 170;

std::vector<int64_t> ZipfCounts() {
  std::vector<int64_t> counts(kSongs);
  for (int i = 0; i < kSongs; ++i) counts[i] = 1 + 20000 / (i + 1);
  return counts;
}

struct Workload {
  explicit Workload(int dim)
      : counts(ZipfCounts()),
        sampler(counts, 0.75),
        stride((dim + kLanes - 1) / kLanes * kLanes),
        input(static_cast<size_t>(kSongs) * stride),
        output(static_cast<size_t>(kSongs) * stride, 0.0f) {
    Random rng(1);
    for (int r = 0; r < kSongs; ++r) {
      for (int c = 0; c < dim; ++c) {
        input[static_cast<size_t>(r) * stride + c] =
            (rng.UniformFloat() - 0.5f) / static_cast<float>(dim);
      }
    }
    // Songs drawn by popularity, like real playlists.
    for (int i = 0; i < 64 * kPlaylist; ++i) playlist.push_back(sampler.Sample(rng));
  }
  SgnsModel Model() { return {input.data(), output.data(), stride, 20, 50, &sampler}; }

  std::vector<int64_t> counts;
  NegativeSampler sampler;
  int stride;
  std::vector<float> input, output;
  std::vector<int32_t> playlist;
};

// Items are songs (tokens) processed: comparable with the trainer's songs/s on one thread.
void RunKernel(benchmark::State& state, SgnsKernel SgnsKernels::*which) {
  const SgnsKernel kernel = SgnsKernelsFor(DefaultIsa()).*which;
  Workload workload(static_cast<int>(state.range(0)));
  const SgnsModel model = workload.Model();
  SgnsScratch scratch(model, 1);
  size_t offset = 0;
  for (auto _ : state) {
    kernel({workload.playlist.data() + offset, kPlaylist}, 0.01f, model, scratch);
    offset = (offset + kPlaylist) % (workload.playlist.size() - kPlaylist);
  }
  benchmark::DoNotOptimize(scratch.loss);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kPlaylist);
}

void BM_SkipGramWindows(benchmark::State& state) {
  RunKernel(state, &SgnsKernels::skip_gram_windows);
}
void BM_SkipGramPairs(benchmark::State& state) { RunKernel(state, &SgnsKernels::skip_gram_pairs); }
void BM_Cbow(benchmark::State& state) { RunKernel(state, &SgnsKernels::cbow); }
BENCHMARK(BM_SkipGramWindows)->Arg(32)->Arg(128);
BENCHMARK(BM_SkipGramPairs)->Arg(32)->Arg(128);
BENCHMARK(BM_Cbow)->Arg(32)->Arg(128);

void BM_NegativeSampler(benchmark::State& state) {
  const std::vector<int64_t> counts = ZipfCounts();
  const NegativeSampler sampler(counts, 0.75);
  Random rng(1);
  int64_t sum = 0;
  for (auto _ : state) sum += sampler.Sample(rng);
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_NegativeSampler);

}  // namespace
}  // namespace songvec

int main(int argc, char** argv) {
  if (!songvec::ConfiguredIsa().ok()) {
    std::fprintf(stderr, "sgns_bench: %s\n", songvec::ConfiguredIsa().status().message().c_str());
    return 2;
  }
  benchmark::AddCustomContext("cpu", songvec::CpuModelName());
  benchmark::AddCustomContext("isa", songvec::IsaName(songvec::DefaultIsa()));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
