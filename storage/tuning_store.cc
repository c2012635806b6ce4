#include "storage/tuning_store.h"

namespace songvec {

Result<std::string> TuningStore::StartSearch() {
  SONGVEC_ASSIGN_OR_RETURN(Statement now,
                           db_.Prepare("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"));
  SONGVEC_ASSIGN_OR_RETURN(bool row, now.Step());
  if (!row) return Status::Internal(db_.path() + ": SQLite gave no time");
  return now.ColumnText(0);
}

Status TuningStore::RecordTrial(const std::string& search, int64_t trial,
                                const std::string& hyperparameters, const std::string& metrics,
                                double seconds) {
  SONGVEC_ASSIGN_OR_RETURN(
      Statement insert,
      db_.Prepare("INSERT INTO tuning_trials (search, trial, hyperparameters, metrics, seconds) "
                  "VALUES (?, ?, ?, ?, ?)"));
  return insert.Bind(1, search)
      .Bind(2, trial)
      .Bind(3, hyperparameters)
      .Bind(4, metrics)
      .Bind(5, seconds)
      .Run();
}

}  // namespace songvec
