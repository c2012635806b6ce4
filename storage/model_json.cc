#include "storage/model_json.h"

namespace songvec {

nlohmann::ordered_json ModelInfoToJson(const ModelInfo& info) {
  auto object = [](const std::string& text) {
    nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(text, nullptr, false);
    return parsed.is_object() ? parsed : nlohmann::ordered_json::object();
  };
  return {{"version", info.version},
          {"active", info.active},
          {"created_at", info.created_at},
          {"algorithm", info.algorithm},
          {"songvec_version", info.songvec_version},
          {"vocab_size", info.vocab_size},
          {"dim", info.dim},
          {"training_seconds", info.training_seconds},
          {"tokens", info.tokens},
          {"stored_bytes", info.stored_bytes},
          {"hyperparameters", object(info.hyperparameters)},
          {"trained_on", object(info.trained_on)},
          {"metrics", object(info.metrics)}};
}

}  // namespace songvec
