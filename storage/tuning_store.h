#ifndef SONGVEC_STORAGE_TUNING_STORE_H_
#define SONGVEC_STORAGE_TUNING_STORE_H_

#include <cstdint>
#include <string>

#include "core/status.h"
#include "storage/database.h"

namespace songvec {

// The trials of hyperparameter searches (songvec-train tune) in tuning_trials
// (migrations/0003_tuning.sql). Keeps a reference to `db`, which must outlive it; the same
// threading rules as Database.
class TuningStore {
 public:
  explicit TuningStore(Database& db) : db_(db) {}

  // Starts a search: returns its id, the time it started (ISO 8601, UTC, to the millisecond),
  // which groups its trials.
  Result<std::string> StartSearch();

  // Records trial number `trial` (1-based, in the order run) of `search`: the options tried and
  // the validation figures (JSON objects) and its training seconds.
  Status RecordTrial(const std::string& search, int64_t trial, const std::string& hyperparameters,
                     const std::string& metrics, double seconds);

 private:
  Database& db_;
};

}  // namespace songvec

#endif  // SONGVEC_STORAGE_TUNING_STORE_H_
