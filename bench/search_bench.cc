// Microbenchmarks of a model's searches, as the server runs them (the Recommender: query, the
// co-occurrence term, the seeds excluded), for every index: bench/search_bench --db songvec.db
// [benchmark flags]. The model is the database's active one (README, "Performance"). Searches run
// at DefaultIsa() (SONGVEC_ISA=scalar|sse2|avx2|avx512 picks another); the header names the CPU
// and the level. Items are queries.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/flat_index.h"
#include "core/isa.h"
#include "core/pruned_index.h"
#include "core/random.h"
#include "core/recommender.h"
#include "core/sequential_rules.h"
#include "storage/database.h"
#include "storage/model_store.h"

namespace songvec {
namespace {

constexpr size_t kQueries = 512;
constexpr size_t kResults = 10;

// Queries of `seeds` songs drawn uniformly from the model's rows.
std::vector<std::vector<int32_t>> Queries(size_t rows, int seeds) {
  Random rng(static_cast<uint64_t>(seeds));
  std::vector<std::vector<int32_t>> queries(kQueries);
  for (auto& query : queries) {
    for (int s = 0; s < seeds; ++s)
      query.push_back(static_cast<int32_t>(rng.Uniform(static_cast<uint32_t>(rows))));
  }
  return queries;
}

void RunSearches(benchmark::State& state, const Recommender& recommender, Scoring scoring,
                 int seeds) {
  const auto queries = Queries(recommender.size(), seeds);
  size_t i = 0;
  for (auto _ : state) {
    const std::vector<int32_t>& positive = queries[i++ % kQueries];
    auto excluded = [&positive](int32_t row) {
      return std::find(positive.begin(), positive.end(), row) != positive.end();
    };
    benchmark::DoNotOptimize(recommender.Recommend(scoring, positive, {}, kResults, excluded));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// Playlists so far of 10 songs: windows of the training playlists the model's rules store (random
// songs would share no playlist, which flatters session-kNN), as POST /v1/recommend continues them.
std::vector<std::vector<int32_t>> Playlists(const SequentialRules& rules) {
  const std::vector<int32_t>& rows = rules.rows();
  Random rng(10);
  std::vector<std::vector<int32_t>> playlists;
  for (size_t tries = 0; playlists.size() < kQueries && tries < 100 * kQueries; ++tries) {
    const size_t at = rng.Uniform(static_cast<uint32_t>(rows.size() - 10));
    std::vector<int32_t> playlist(rows.begin() + static_cast<std::ptrdiff_t>(at),
                                  rows.begin() + static_cast<std::ptrdiff_t>(at + 10));
    if (std::all_of(playlist.begin(), playlist.end(), [](int32_t row) { return row >= 0; })) {
      playlists.push_back(std::move(playlist));
    }
  }
  return playlists;
}

void RunContinuations(benchmark::State& state, const Recommender& recommender,
                      const std::vector<std::vector<int32_t>>& playlists) {
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(recommender.Continue(Scoring::kNext, playlists[i++ % playlists.size()],
                                                  kResults, nullptr));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

}  // namespace
}  // namespace songvec

int main(int argc, char** argv) {
  using namespace songvec;
  std::string db_path;
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
      db_path = argv[++i];
    } else {
      rest.push_back(argv[i]);
    }
  }
  if (!ConfiguredIsa().ok()) {
    std::fprintf(stderr, "search_bench: %s\n", ConfiguredIsa().status().message().c_str());
    return 2;
  }
  if (db_path.empty()) {
    std::fprintf(stderr, "usage: search_bench --db FILE [benchmark flags]\n");
    return 2;
  }
  Result<Database> db = Database::Open(db_path, Database::Mode::kReadOnly);
  Result<std::optional<int64_t>> active =
      db.ok() ? ModelStore(*db).ActiveVersion() : Result<std::optional<int64_t>>(db.status());
  if (!active.ok() || !active->has_value()) {
    std::fprintf(
        stderr, "search_bench: %s\n",
        active.ok() ? "the database has no active model" : active.status().message().c_str());
    return 1;
  }
  std::vector<std::unique_ptr<Recommender>> recommenders;
  for (IndexPolicy policy : {IndexPolicy::kFlat, IndexPolicy::kPruned}) {
    Result<StoredModel> model = ModelStore(*db).Load(**active);
    if (!model.ok()) {
      std::fprintf(stderr, "search_bench: %s\n", model.status().message().c_str());
      return 1;
    }
    const auto started = std::chrono::steady_clock::now();
    const auto rules = std::dynamic_pointer_cast<const SequentialRules>(model->pairs);
    recommenders.push_back(std::make_unique<Recommender>(model->embeddings, model->info.scoring,
                                                         std::move(model->pairs), policy,
                                                         std::move(model->search)));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    benchmark::AddCustomContext(std::string("load_seconds_") + IndexPolicyName(policy),
                                std::to_string(seconds));
    const Recommender& recommender = *recommenders.back();
    for (Scoring scoring : {Scoring::kSimilar, Scoring::kNext}) {
      if (scoring == Scoring::kNext && !recommender.has_next()) continue;
      for (int seeds : {1, 5}) {
        const std::string name = std::string("BM_Search/") + IndexPolicyName(policy) + "/" +
                                 ScoringName(scoring) + "/seeds:" + std::to_string(seeds);
        benchmark::RegisterBenchmark(name.c_str(),
                                     [&recommender, scoring, seeds](benchmark::State& s) {
                                       RunSearches(s, recommender, scoring, seeds);
                                     });
      }
    }
    // Continuing a playlist with the model's settings, and without its nearest playlists.
    if (recommender.has_next() && rules != nullptr && rules->rows().size() > 10) {
      NextScoring without = recommender.next_scoring();
      without.neighbors = 0;
      recommenders.push_back(
          std::make_unique<Recommender>(recommender.WithNextScoring(without)));
      const Recommender& plain = *recommenders.back();
      auto playlists = std::make_shared<const std::vector<std::vector<int32_t>>>(Playlists(*rules));
      const std::string name = std::string("BM_Continue/") + IndexPolicyName(policy) + "/next";
      const std::string neighbors = std::to_string(recommender.next_scoring().neighbors);
      benchmark::RegisterBenchmark((name + "/neighbors:" + neighbors + "/playlist:10").c_str(),
                                   [&recommender, playlists](benchmark::State& s) {
                                     RunContinuations(s, recommender, *playlists);
                                   });
      benchmark::RegisterBenchmark((name + "/neighbors:0/playlist:10").c_str(),
                                   [&plain, playlists](benchmark::State& s) {
                                     RunContinuations(s, plain, *playlists);
                                   });
    }
  }
  benchmark::AddCustomContext("cpu", CpuModelName());
  benchmark::AddCustomContext("isa", IsaName(DefaultIsa()));
  benchmark::AddCustomContext("model", db_path + " version " + std::to_string(**active) + ", " +
                                           std::to_string(recommenders[0]->size()) + " songs");
  int count = static_cast<int>(rest.size());
  benchmark::Initialize(&count, rest.data());
  if (benchmark::ReportUnrecognizedArguments(count, rest.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
