#include "trainer/cli.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <fstream>

namespace songvec {
namespace {

std::string Duration(double seconds) {
  const auto total = static_cast<int64_t>(seconds + 0.5);
  char text[32];
  std::snprintf(text, sizeof(text), "%" PRId64 ":%02" PRId64 ":%02" PRId64, total / 3600,
                total / 60 % 60, total % 60);
  return text;
}

}  // namespace

void SetUpLogging() {
  auto logger = spdlog::stderr_color_mt("songvec-train");
  logger->set_pattern("%^%l%$: %v");
  spdlog::set_default_logger(logger);
}

std::optional<int> ParseFlags(FlagSet& flags, const std::vector<std::string>& args,
                              std::initializer_list<const char*> required) {
  Status status = flags.Parse(args);
  if (status.ok() && flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  for (const char* name : required) {
    if (status.ok()) status = flags.Require(name);
  }
  if (!status.ok()) {
    std::fprintf(stderr, "songvec-train: %s\n", status.message().c_str());
    return 2;
  }
  return std::nullopt;
}

int Fail(const Status& status) {
  std::fprintf(stderr, "songvec-train: error: %s\n", status.message().c_str());
  return 1;
}

ProgressPrinter::ProgressPrinter(int epochs) : epochs_(epochs), terminal_(isatty(2) == 1) {}

void ProgressPrinter::operator()(const TrainProgress& p) {
  const bool done = p.fraction >= 1.0;
  if (!terminal_ && !done && p.seconds - last_printed_ < 5.0) return;
  last_printed_ = p.seconds;
  std::fprintf(stderr,
               "%s%5.1f%%  epoch %d/%d  %9.0f songs/s  lr %.6f  loss %.4f  elapsed %s  ETA %s%s",
               terminal_ ? "\r" : "", 100.0 * p.fraction, p.epoch, epochs_, p.tokens_per_second,
               p.alpha, p.loss, Duration(p.seconds).c_str(), Duration(p.eta_seconds).c_str(),
               terminal_ && !done ? "" : "\n");
  std::fflush(stderr);
}

Result<nlohmann::json> DescribeFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status::IoError("cannot read " + path);
  // FNV-1a, 64 bits: enough to tell whether two runs saw the same bytes.
  uint64_t hash = 14695981039346656037ULL;
  uint64_t bytes = 0;
  char buffer[1 << 16];
  while (file.read(buffer, sizeof(buffer)) || file.gcount() > 0) {
    const auto n = static_cast<size_t>(file.gcount());
    for (size_t i = 0; i < n; ++i) {
      hash = (hash ^ static_cast<unsigned char>(buffer[i])) * 1099511628211ULL;
    }
    bytes += n;
  }
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016" PRIx64, hash);
  return nlohmann::json{{"path", path}, {"bytes", bytes}, {"fnv1a64", hex}};
}

nlohmann::json OptionsToJson(const TrainOptions& o) {
  return {{"model", ArchitectureName(o.architecture)},
          {"dim", o.dim},
          {"window", o.window},
          {"negative", o.negative},
          {"ns_exponent", o.ns_exponent},
          {"sample", o.sample},
          {"min_count", o.min_count},
          {"epochs", o.epochs},
          {"alpha", o.alpha},
          {"min_alpha", o.min_alpha},
          {"shared_negatives", o.shared_negatives},
          {"threads", o.threads},
          {"seed", o.seed}};
}

nlohmann::json ReportToJson(const EvaluationReport& report) {
  auto metrics = [](const std::vector<RankingMetrics>& all) {
    nlohmann::json out = nlohmann::json::object();
    for (const RankingMetrics& m : all) {
      const std::string k = std::to_string(m.k);
      out["hr@" + k] = m.hit_rate;
      out["mrr@" + k] = m.mrr;
      out["ndcg@" + k] = m.ndcg;
    }
    return out;
  };
  return {{"pairs", report.pairs.total},
          {"scored_pairs", report.pairs.pairs.size()},
          {"coverage", report.pairs.coverage()},
          {"model", metrics(report.model)},
          {"popularity", metrics(report.popularity)},
          {"cooccurrence", metrics(report.cooccurrence)}};
}

std::string FormatReport(const EvaluationReport& report, const std::string& model_name) {
  char line[256];
  std::snprintf(line, sizeof(line),
                "next-song prediction: %zu pairs, %zu scored (coverage %.2f%%)\n",
                report.pairs.total, report.pairs.pairs.size(), 100.0 * report.pairs.coverage());
  std::string text = line;
  std::snprintf(line, sizeof(line), "%-28s", "ranking");
  text += line;
  for (const RankingMetrics& m : report.model) {
    std::snprintf(line, sizeof(line), "  %8s  %8s  %8s", ("HR@" + std::to_string(m.k)).c_str(),
                  ("MRR@" + std::to_string(m.k)).c_str(), ("NDCG@" + std::to_string(m.k)).c_str());
    text += line;
  }
  text += "\n";
  auto row = [&](const std::string& name, const std::vector<RankingMetrics>& all) {
    std::snprintf(line, sizeof(line), "%-28s", name.c_str());
    text += line;
    for (const RankingMetrics& m : all) {
      std::snprintf(line, sizeof(line), "  %8.4f  %8.4f  %8.4f", m.hit_rate, m.mrr, m.ndcg);
      text += line;
    }
    text += "\n";
  };
  row(model_name, report.model);
  row("popularity (baseline)", report.popularity);
  row("co-occurrence (baseline)", report.cooccurrence);
  return text;
}

}  // namespace songvec
