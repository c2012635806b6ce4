#include "server/model_reloader.h"

#include <malloc.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <new>
#include <string>
#include <utility>

#include "core/isa.h"
#include "storage/model_store.h"

namespace songvec {
namespace {

// Warming a model's caches yields the CPU to request handlers, so that a warm-up does not slow the
// answers in flight: 10 below the thread's priority (Linux gives each thread its own nice value),
// so that a server started under nice keeps its requests ahead too. Loading does not: it is bounded
// work (7 s of one core at a million songs) that should end soon, and at 5 below it took 53 s under
// full load (bench/scale.sh), two models resident all the while.
void YieldToRequests() {
  const auto thread = static_cast<id_t>(gettid());
  errno = 0;
  const int nice = getpriority(PRIO_PROCESS, thread);
  if (errno == 0) setpriority(PRIO_PROCESS, thread, std::min(nice + 10, 19));
}

// ModelSnapshot::Load, where a model too large for the memory the server may have fails like any
// other load (the old model keeps serving) instead of ending the process from this thread.
Result<std::shared_ptr<const ModelSnapshot>> LoadSnapshot(Database& db, int64_t version,
                                                          IndexPolicy policy) {
  try {
    return ModelSnapshot::Load(db, version, policy);
  } catch (const std::bad_alloc&) {
    return Status::Internal("model " + std::to_string(version) +
                            " needs more memory than the server may have");
  }
}

}  // namespace

Result<std::unique_ptr<ModelReloader>> ModelReloader::Open(const std::string& db_path,
                                                           Metrics& metrics, IndexPolicy policy) {
  SONGVEC_ASSIGN_OR_RETURN(Database db, Database::Open(db_path, Database::Mode::kReadOnly));
  return std::unique_ptr<ModelReloader>(new ModelReloader(std::move(db), metrics, policy));
}

ModelReloader::~ModelReloader() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  ++generation_;
  if (warmer_.joinable()) warmer_.join();
}

void ModelReloader::Warm(std::shared_ptr<const ModelSnapshot> snapshot) {
  const uint64_t generation = ++generation_;
  if (warmer_.joinable()) warmer_.join();
  const int64_t version = snapshot->info().version;
  if (snapshot->model_songs() > kWarmUpMaxSongs) {
    spdlog::info(
        "model {} has {} songs: its neighbour caches fill as songs are asked for (a warm-up is for "
        "catalogs of up to {})",
        version, snapshot->model_songs(), kWarmUpMaxSongs);
    return;
  }
  warmer_ = std::thread([this, generation, version,
                         weak = std::weak_ptr<const ModelSnapshot>(snapshot)] {
    YieldToRequests();
    const auto started = std::chrono::steady_clock::now();
    for (Scoring scoring : {Scoring::kSimilar, Scoring::kNext}) {
      for (size_t row = 0;; ++row) {
        if (generation_ != generation) return;
        const auto model = weak.lock();
        if (!model) return;
        const NeighborCache* cache = model->neighbor_cache(scoring);
        if (cache == nullptr || row >= cache->size()) break;
        std::vector<Neighbor> scratch;
        cache->Get(static_cast<int32_t>(row), &scratch);
      }
    }
    spdlog::info("neighbour caches of model {} warm in {:.1f} s", version,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  });
}

std::shared_ptr<const ModelSnapshot> ModelReloader::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

Status ModelReloader::CheckNow() {
  std::lock_guard<std::mutex> check(check_mu_);
  if (retired_.use_count() == 1) {
    retired_.reset();
    // The model's pages go back to the system: glibc keeps freed memory in the arena of the thread
    // that allocated it (the loader's, the warm-up's, the workers'), so RSS grew with every reload.
    malloc_trim(0);
  }
  Result<std::optional<int64_t>> active = ModelStore(db_).ActiveVersion();
  Status status = active.status();
  if (status.ok() && !active->has_value()) {
    // Nothing to serve yet: said once.
    if (!told_no_model_)
      spdlog::warn("{}: no active model yet: not ready until one is trained", db_.path());
    told_no_model_ = true;
    return Status();
  }
  const std::shared_ptr<const ModelSnapshot> serving = Current();
  if (status.ok() && serving != nullptr && serving->info().version == **active) return Status();
  if (status.ok()) {
    const auto started = std::chrono::steady_clock::now();
    Result<std::shared_ptr<const ModelSnapshot>> loaded = LoadSnapshot(db_, **active, policy_);
    status = loaded.status();
    if (loaded.ok()) {
      told_failure_.clear();
      {
        std::lock_guard<std::mutex> lock(mu_);
        retired_ = std::exchange(current_, *loaded);
      }
      metrics_.CountReload(true);
      Warm(*loaded);
      const Recommender& recommender = (*loaded)->recommender();
      spdlog::info(
          "now serving model {} ({} songs, dim {}; search: similar {}, next {}, SIMD {}), loaded "
          "in {:.1f} s",
          **active, (*loaded)->model_songs(), (*loaded)->info().dim,
          recommender.index(Scoring::kSimilar).name(),
          recommender.has_next() ? recommender.index(Scoring::kNext).name() : "none",
          IsaName(DefaultIsa()),
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      if (!recommender.search_warning().empty()) {
        spdlog::warn("model {}: {}", **active, recommender.search_warning());
      }
      return Status();
    }
  }
  // The server runs on: without a model it is alive but not ready, as with no active model, and
  // every check tries again (the cause can pass, and an operator's `models activate` of another
  // version is picked up without a restart). The same failure is logged once.
  metrics_.CountReload(false);
  const std::string failure =
      "cannot load the active model (" + status.message() + "); " +
      (serving ? "still serving model " + std::to_string(serving->info().version)
               : "not ready until a model loads: every reload check tries the active one again");
  if (failure != told_failure_) spdlog::error("{}", failure);
  told_failure_ = failure;
  return status;
}

void ModelReloader::Start(std::chrono::milliseconds interval) {
  thread_ = std::thread([this, interval] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      wake_.wait_for(lock, interval, [this] { return stopping_ || triggered_; });
      if (stopping_) break;
      triggered_ = false;
      lock.unlock();
      (void)CheckNow();  // logged and counted there
      lock.lock();
    }
  });
}

void ModelReloader::Trigger() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    triggered_ = true;
  }
  wake_.notify_all();
}

}  // namespace songvec
