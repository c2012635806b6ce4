#ifndef SONGVEC_STORAGE_MODEL_JSON_H_
#define SONGVEC_STORAGE_MODEL_JSON_H_

#include <nlohmann/json.hpp>

#include "storage/model_store.h"

namespace songvec {

// Everything the models table says of one version, as `songvec-train models show` prints it and
// GET /v1/models answers it: {"version", "active", "created_at", "algorithm", "songvec_version",
// "vocab_size", "dim", "training_seconds", "tokens", "stored_bytes", "hyperparameters",
// "trained_on", "metrics"}, in that order; the last three are the stored JSON objects (an empty
// object where one does not parse). The one rendering of a ModelInfo, so both show the same keys.
nlohmann::ordered_json ModelInfoToJson(const ModelInfo& info);

}  // namespace songvec

#endif  // SONGVEC_STORAGE_MODEL_JSON_H_
