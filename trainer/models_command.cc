#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "storage/database.h"
#include "storage/model_json.h"
#include "storage/model_store.h"
#include "trainer/cli.h"
#include "trainer/commands.h"

namespace songvec {
namespace {

// A metric from a model's stored evaluation, or -1.
double StoredMetric(const ModelInfo& info, const char* ranking, const char* metric) {
  const auto metrics = nlohmann::json::parse(info.metrics, nullptr, false);
  const nlohmann::json* value = &metrics;
  for (const char* key : {"next_song", "rankings", ranking, metric}) {
    if (!value->is_object() || !value->contains(key)) return -1;
    value = &(*value)[key];
  }
  return value->is_number() ? value->get<double>() : -1;
}

std::string MetricText(double value) {
  char text[16];
  std::snprintf(text, sizeof(text), "%.4f", value);
  return value < 0 ? "-" : text;
}

void PrintList(const std::vector<ModelInfo>& models) {
  std::printf("%-3s %7s  %-24s %-27s %-26s %8s %8s %7s %8s\n", "", "version", "created",
              "algorithm", "dim/window/negative/epochs", "similar", "next", "songs", "MiB");
  for (const ModelInfo& info : models) {
    const auto h = nlohmann::json::parse(info.hyperparameters, nullptr, false);
    std::string shape = "-";
    if (h.is_object() && h.contains("window")) {
      shape = std::to_string(info.dim) + "/" + std::to_string(h.value("window", 0)) + "/" +
              std::to_string(h.value("negative", 0)) + "/" + std::to_string(h.value("epochs", 0));
    }
    const double mib = static_cast<double>(info.stored_bytes) / (1 << 20);
    std::printf("%-3s %7" PRId64 "  %-24s %-27s %-26s %8s %8s %7" PRId64 " %8.1f\n",
                info.active ? "*" : "", info.version, info.created_at.c_str(),
                info.algorithm.c_str(), shape.c_str(),
                MetricText(StoredMetric(info, "similar", "hr@10")).c_str(),
                MetricText(StoredMetric(info, "next", "hr@10")).c_str(), info.vocab_size, mib);
  }
  std::printf("(* active; similar/next: HR@10 of the last evaluation)\n");
}

}  // namespace

int RunModels(const std::vector<std::string>& args) {
  SetUpLogging();
  CLI::App app("Lists, shows, activates (rolls back to), deletes and prunes model versions.",
               "songvec-train models");
  ShowDefaults(app);
  app.require_subcommand(1);
  std::string db_path;
  int64_t version = 0;
  int64_t keep = 0;
  const std::pair<const char*, const char*> actions[] = {
      {"list", "every version, the active one marked"},
      {"show", "everything stored about version N"},
      {"activate", "serve version N (rolling back is activating an older one)"},
      {"delete", "delete version N (never the active one)"},
      {"prune", "delete all but the newest --keep versions and the active one"}};
  for (const auto& [name, description] : actions) {
    CLI::App* action = app.add_subcommand(name, description);
    action->add_option("--db", db_path, "the database")->required();
    if (std::string(name) == "show" || std::string(name) == "activate" ||
        std::string(name) == "delete") {
      action->add_option("N", version, "the model version")->required()->check(AtLeast(1));
    }
    if (std::string(name) == "prune") {
      action->add_option("--keep", keep, "versions to keep, the newest")
          ->required()
          ->check(AtLeast(0));
    }
  }
  if (auto exit = ParseOptions(app, args)) return *exit;
  const std::string action = app.get_subcommands().front()->get_name();

  // Reading commands never change the file.
  const bool writes = action == "activate" || action == "delete" || action == "prune";
  Result<Database> db =
      writes ? OpenToWrite(db_path) : Database::Open(db_path, Database::Mode::kReadOnly);
  if (!db.ok()) return Fail(db.status());
  ModelStore models(*db);
  const int64_t v = version;
  if (action == "list") {
    Result<std::vector<ModelInfo>> all = models.List();
    if (!all.ok()) return Fail(all.status());
    PrintList(*all);
  } else if (action == "show") {
    Result<ModelInfo> info = models.Get(v);
    if (!info.ok()) return Fail(info.status());
    std::printf("%s\n", ModelInfoToJson(*info).dump(2).c_str());
  } else if (action == "activate") {
    if (Status s = models.Activate(v); !s.ok()) return Fail(s);
    std::printf("model %" PRId64
                " is active; a running server switches to it within its --reload-interval (at once "
                "on SIGHUP), without a restart\n",
                v);
  } else if (action == "delete") {
    if (Status s = models.Delete(v); !s.ok()) return Fail(s);
    if (Status s = models.ReleaseFreePages(); !s.ok()) return Fail(s);
    std::printf("deleted model %" PRId64 "\n", v);
  } else {
    Result<std::vector<int64_t>> deleted = models.Prune(keep);
    if (!deleted.ok()) return Fail(deleted.status());
    if (Status s = models.ReleaseFreePages(); !s.ok()) return Fail(s);
    std::printf("deleted %zu model(s)", deleted->size());
    for (int64_t d : *deleted) std::printf(" %" PRId64, d);
    std::printf("\n");
  }
  return 0;
}

}  // namespace songvec
