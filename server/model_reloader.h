#ifndef SONGVEC_SERVER_MODEL_RELOADER_H_
#define SONGVEC_SERVER_MODEL_RELOADER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/status.h"
#include "server/metrics.h"
#include "server/model_snapshot.h"
#include "storage/database.h"

namespace songvec {

// Holds the snapshot requests are answered from and swaps in a newly activated model: a request
// takes the current snapshot once (Current()) and finishes on it, however many swaps happen
// meanwhile; loading runs on the reloader's own thread and connection, so no request waits for it.
// A model that fails to load is logged and counted, and the previous one keeps serving; with no
// previous one the server stays alive but not ready, and every check tries again.
class ModelReloader {
 public:
  // Opens its own read-only connection to `db_path`. Counts reloads in `metrics` (which must
  // outlive it). Models search with the indexes `policy` picks.
  static Result<std::unique_ptr<ModelReloader>> Open(const std::string& db_path, Metrics& metrics,
                                                     IndexPolicy policy = IndexPolicy::kAuto);
  ~ModelReloader();

  // The snapshot being served; null until a model has been loaded.
  std::shared_ptr<const ModelSnapshot> Current() const;

  // Loads the active model if it is not the one being served. OK if nothing changed or the new
  // model is in; the error otherwise (also logged and counted).
  Status CheckNow();

  // Calls CheckNow() every `interval` and whenever Trigger() is called, on a thread of its own,
  // until destruction.
  void Start(std::chrono::milliseconds interval);
  // Wakes the thread for a check now (SIGHUP).
  void Trigger();

 private:
  ModelReloader(Database db, Metrics& metrics, IndexPolicy policy)
      : db_(std::move(db)), metrics_(metrics), policy_(policy) {}

  // Fills the neighbour caches of `snapshot` on a background thread (one core), so that a
  // freshly loaded model soon answers single-song queries from memory, if it has at most
  // kWarmUpMaxSongs songs (17 s of one core for yes_complete's 72,732; a warm-up grows as the
  // square of the catalog); bigger ones fill their caches on first use. Stops the previous warm-up.
  static constexpr size_t kWarmUpMaxSongs = 100000;
  void Warm(std::shared_ptr<const ModelSnapshot> snapshot);

  Database db_;  // used by CheckNow() only, which runs on one thread at a time
  Metrics& metrics_;
  const IndexPolicy policy_;
  bool told_no_model_ = false;  // used by CheckNow() only
  std::string told_failure_;    // the load failure logged last; used by CheckNow() only
  std::mutex check_mu_;         // serialises CheckNow()

  mutable std::mutex mu_;  // guards the members below
  std::shared_ptr<const ModelSnapshot> current_;
  // The snapshot replaced last, kept until no request uses it so that this thread, not the request
  // that lets go of it last, frees it (~150 MB for yes_complete, tens of milliseconds). Guarded by
  // check_mu_.
  std::shared_ptr<const ModelSnapshot> retired_;
  std::condition_variable wake_;
  bool triggered_ = false;
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<uint64_t> generation_{0};  // bumped to stop a warm-up
  std::thread warmer_;                   // touched by CheckNow() and the destructor only
};

}  // namespace songvec

#endif  // SONGVEC_SERVER_MODEL_RELOADER_H_
