#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/text_lines.h"
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
  const std::string usage =
      "songvec-train models list|show N|activate N|delete N|prune --db FILE [--keep K]";
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::printf(
        "usage: %s\n\n  list        every version, the active one marked\n"
        "  show N      everything stored about version N\n"
        "  activate N  serve version N (rolling back is activating an older one)\n"
        "  delete N    delete version N (never the active one)\n"
        "  prune       delete all but the newest --keep versions and the active one\n",
        usage.c_str());
    return args.empty() ? 2 : 0;
  }
  const std::string action = args[0];
  const bool takes_version = action == "show" || action == "activate" || action == "delete";
  if (!takes_version && action != "list" && action != "prune") {
    std::fprintf(stderr, "songvec-train: unknown models action '%s'\nusage: %s\n", action.c_str(),
                 usage.c_str());
    return 2;
  }
  uint64_t version = 0;
  size_t first_flag = 1;
  if (takes_version) {
    if (args.size() < 2 || !ParseUint(args[1], &version)) {
      std::fprintf(stderr, "songvec-train: models %s needs a version number\n", action.c_str());
      return 2;
    }
    first_flag = 2;
  }
  std::string db_path;
  int64_t keep = 0;
  FlagSet flags(usage);
  flags.Add("db", &db_path, "the database");
  if (action == "prune") flags.Add("keep", &keep, "versions to keep, the newest");
  const std::vector<std::string> rest(args.begin() + static_cast<ptrdiff_t>(first_flag),
                                      args.end());
  if (auto exit = ParseFlags(flags, rest, {"db"})) return *exit;
  if (action == "prune" && !flags.IsSet("keep")) {
    std::fprintf(stderr, "songvec-train: --keep is required\n");
    return 2;
  }

  // Reading commands never change the file.
  const bool writes = action == "activate" || action == "delete" || action == "prune";
  Result<Database> db =
      writes ? OpenToWrite(db_path) : Database::Open(db_path, Database::Mode::kReadOnly);
  if (!db.ok()) return Fail(db.status());
  ModelStore models(*db);
  const auto v = static_cast<int64_t>(version);
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
