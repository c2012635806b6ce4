#include "trainer/cli.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/playlist_formats.h"
#include "core/text_lines.h"

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

std::optional<int> ParseOptions(CLI::App& app, const std::vector<std::string>& args) {
  return ParseCommandLine(app, "songvec-train", args);
}

int Fail(const Status& status) {
  std::fprintf(stderr, "songvec-train: error: %s\n", status.message().c_str());
  return 1;
}

Result<Database> OpenToWrite(const std::string& path) {
  SONGVEC_ASSIGN_OR_RETURN(Database db, Database::Open(path, Database::Mode::kReadWrite));
  db.QueueWrites([path] {
    spdlog::info(
        "waiting for {}: another process is writing to it (another songvec-train "
        "storing a model?); this one writes when it is done",
        path);
  });
  return db;
}

ProgressPrinter::ProgressPrinter(int epochs) : epochs_(epochs), terminal_(isatty(2) == 1) {}

void ProgressPrinter::operator()(const TrainProgress& p) {
  const bool done = p.fraction >= 1.0;
  if (!terminal_ && !done && p.seconds - last_printed_ < 5.0) return;
  last_printed_ = p.seconds;
  char loss[32] = "-";  // no example trained yet
  if (p.loss) std::snprintf(loss, sizeof(loss), "%.4f", *p.loss);
  std::fprintf(stderr,
               "%s%5.1f%%  epoch %d/%d  %9.0f songs/s  lr %.6f  loss %s  elapsed %s  ETA %s%s",
               terminal_ ? "\r" : "", 100.0 * p.fraction, p.epoch, epochs_, p.tokens_per_second,
               p.alpha, loss, Duration(p.seconds).c_str(), Duration(p.eta_seconds).c_str(),
               terminal_ && !done ? "" : "\n");
  std::fflush(stderr);
}

nlohmann::json DescribeFile(const std::string& path, const FileDigest& digest) {
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016" PRIx64, digest.fnv1a64);
  nlohmann::json described = {{"path", path}, {"bytes", digest.bytes}, {"fnv1a64", hex}};
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) described["files"] = digest.files;
  return described;
}

Result<nlohmann::json> DescribeFile(const std::string& path) {
  std::error_code error;
  std::vector<std::string> files = {path};
  if (std::filesystem::is_directory(path, error)) {
    SONGVEC_ASSIGN_OR_RETURN(files, MpdSliceFiles(path));
  }
  FileDigest digest;
  for (const std::string& name : files) {
    SONGVEC_RETURN_IF_ERROR(ReadFile(name, &digest, [](std::istream&) { return Status(); }));
  }
  return DescribeFile(path, digest);
}

void FormatFlags::AddTo(CLI::App& app, const std::string& format_help,
                        const std::string& default_note) {
  app.add_option("--format", name,
                 format_help + ": yes, plain, mpd (a folder of MPD slices) or csv" + default_note)
      ->check(CLI::IsMember({"yes", "plain", "mpd", "csv"}));
  app.add_option("--csv-columns", csv_columns,
                 "--format csv: the header names of the USER,ARTIST,TRACK,PLAYLIST columns (USER "
                 "may be empty) (default: user_id,artistname,trackname,playlistname)");
}

Result<CorpusFormat> FormatFlags::Parse() const {
  Result<DataFormat> data = ParseDataFormat(name);
  if (!data.ok()) return data.status().WithContext("--format");
  CorpusFormat format(*data);
  if (!csv_columns.empty()) {
    SONGVEC_ASSIGN_OR_RETURN(format.csv, ParseCsvColumns(csv_columns));
  }
  return format;
}

double AsDecimal(float x) { return std::round(static_cast<double>(x) * 1e6) / 1e6; }

nlohmann::json ModelOptionsToJson(const ModelOptions& options, bool with_threads) {
  const TrainOptions& o = options.train;
  nlohmann::json json = {{"model", ArchitectureName(o.architecture)},
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
                         {"seed", o.seed},
                         {"rules_weight", options.rules_weight},
                         {"next_bias", options.resolved_next_bias()}};
  const ContinuationChoices& c = options.continuation;
  if (c.rules_per_play) json["rules_per_play"] = *c.rules_per_play;
  if (c.rules_by_distance) json["rules_by_distance"] = *c.rules_by_distance;
  if (c.context_decay) json["context_decay"] = AsDecimal(*c.context_decay);
  if (c.repeats) json["repeats"] = *c.repeats;
  if (c.repeat_weight) json["repeat_weight"] = AsDecimal(*c.repeat_weight);
  if (c.neighbors) json["neighbors"] = *c.neighbors;
  if (c.neighbors_weight) json["neighbors_weight"] = AsDecimal(*c.neighbors_weight);
  if (with_threads) json["threads"] = o.threads;
  return json;
}

Status ModelOptionsFromJson(const nlohmann::json& json, ModelOptions* options) {
  if (!json.is_object()) return Status::InvalidArgument("expected a JSON object of options");
  TrainOptions& o = options->train;
  for (const auto& item : json.items()) {
    // (Named, not a structured binding: clang 14 cannot capture those in a lambda.)
    const std::string& key = item.key();
    const nlohmann::json& value = item.value();
    auto expect = [&](bool ok, const char* what) {
      return ok ? Status()
                : Status::InvalidArgument("option \"" + key + "\" must be " + what + ", found " +
                                          value.dump());
    };
    Status status;
    if (key == "model") {
      status = expect(value.is_string(), "\"skipgram\" or \"cbow\"");
      if (status.ok()) {
        Result<Architecture> architecture = ParseArchitecture(value.get<std::string>());
        if (!architecture.ok()) return architecture.status();
        o.architecture = *architecture;
      }
    } else if (key == "dim" || key == "window" || key == "negative" || key == "epochs") {
      status = expect(value.is_number_integer(), "an integer");
      if (status.ok()) {
        (key == "dim"        ? o.dim
         : key == "window"   ? o.window
         : key == "negative" ? o.negative
                             : o.epochs) = value.get<int>();
      }
    } else if (key == "min_count" || key == "seed") {
      status =
          expect(value.is_number_integer() && value.get<int64_t>() >= 0, "a non-negative integer");
      if (status.ok() && key == "min_count") o.min_count = value.get<int64_t>();
      if (status.ok() && key == "seed") o.seed = value.get<uint64_t>();
    } else if (key == "ns_exponent" || key == "sample" || key == "alpha" || key == "min_alpha" ||
               key == "rules_weight" || key == "next_bias") {
      status = expect(value.is_number(), "a number");
      if (status.ok()) {
        const double x = value.get<double>();
        if (key == "ns_exponent") o.ns_exponent = x;
        if (key == "sample") o.sample = x;
        if (key == "alpha") o.alpha = x;
        if (key == "min_alpha") o.min_alpha = x;
        if (key == "rules_weight") options->rules_weight = x;
        if (key == "next_bias") options->next_bias = x;
      }
    } else if (key == "shared_negatives") {
      status = expect(value.is_boolean(), "true or false");
      if (status.ok()) o.shared_negatives = value.get<bool>();
    } else if (key == "rules_per_play" || key == "rules_by_distance" || key == "repeats") {
      status = expect(value.is_boolean(), "true or false");
      if (status.ok()) {
        (key == "rules_per_play"      ? options->continuation.rules_per_play
         : key == "rules_by_distance" ? options->continuation.rules_by_distance
                                      : options->continuation.repeats) = value.get<bool>();
      }
    } else if (key == "context_decay" || key == "repeat_weight" || key == "neighbors_weight") {
      status = expect(value.is_number(), "a number");
      if (status.ok()) {
        (key == "context_decay"   ? options->continuation.context_decay
         : key == "repeat_weight" ? options->continuation.repeat_weight
                                  : options->continuation.neighbors_weight) = value.get<float>();
      }
    } else if (key == "neighbors") {
      status = expect(value.is_number_integer() && value.get<int64_t>() >= 0 &&
                          value.get<int64_t>() <= kMaxNeighbors,
                      "an integer from 0 to 1000");
      if (status.ok()) options->continuation.neighbors = value.get<int>();
    } else if (key == "cooccurrence_weight") {
      return Status::InvalidArgument(
          "option \"cooccurrence_weight\" is gone: next scores count sequential rules now, "
          "weighted by \"rules_weight\"");
    } else {
      return Status::InvalidArgument("unknown option \"" + key + "\"");
    }
    SONGVEC_RETURN_IF_ERROR(status);
  }
  return options->continuation.Validate();
}

namespace {

const char* const kSegmentNames[] = {"head", "torso", "tail"};

bool IsBaseline(const RankingResult& ranking) {
  return ranking.name == "popularity" || ranking.name == "co-occurrence" ||
         ranking.name == "sequential rules";
}

// Each model ranking against each baseline at the first cut-off, on the same pairs.
template <typename Visit>
void ForEachComparison(const EvaluationReport& report, Visit visit) {
  const size_t k = report.rankings.front().all.front().k;
  for (const RankingResult& model : report.rankings) {
    if (IsBaseline(model)) continue;
    for (const RankingResult& baseline : report.rankings) {
      if (IsBaseline(baseline))
        visit(model, baseline, ComparePaired(model.ranks, baseline.ranks, k));
    }
  }
}

// Differences within this many standard errors are called noise.
constexpr double kSignificant = 2.0;

nlohmann::json ReportToJson(const EvaluationReport& report) {
  auto metrics = [](const std::vector<RankingMetrics>& all) {
    nlohmann::json out = nlohmann::json::object();
    for (const RankingMetrics& m : all) {
      const std::string k = std::to_string(m.k);
      out["hr@" + k] = m.hit_rate;
      out["mrr@" + k] = m.mrr;
      out["ndcg@" + k] = m.ndcg;
      out["hr@" + k + "_error"] = m.hit_rate_error;
    }
    return out;
  };
  nlohmann::json rankings = nlohmann::json::object();
  for (const RankingResult& ranking : report.rankings) {
    nlohmann::json entry = metrics(ranking.all);
    for (size_t s = 0; s < 3; ++s)
      entry["segments"][kSegmentNames[s]] = metrics(ranking.by_segment[s]);
    rankings[ranking.name] = entry;
  }
  nlohmann::json segments;
  for (size_t s = 0; s < 3; ++s) segments[kSegmentNames[s]] = report.pairs_by_segment[s];
  nlohmann::json paired = nlohmann::json::array();
  ForEachComparison(report, [&](const RankingResult& model, const RankingResult& baseline,
                                const PairedComparison& c) {
    paired.push_back({{"model", model.name},
                      {"baseline", baseline.name},
                      {"k", report.rankings.front().all.front().k},
                      {"difference", c.difference},
                      {"standard_error", c.standard_error},
                      {"only_model", c.only_first},
                      {"only_baseline", c.only_second}});
  });
  return {{"pairs", report.pairs.total},
          {"pairs_in_vocabulary", report.pairs.in_vocabulary},
          {"scored_pairs", report.pairs.pairs.size()},
          {"coverage", report.pairs.coverage()},
          {"pairs_by_target_segment", segments},
          {"rankings", rankings},
          {"paired", paired}};
}

std::string FormatReport(const EvaluationReport& report, const std::string& model_name) {
  char line[512];
  const std::string protocol = report.context == 1
                                   ? "next-song prediction"
                                   : "continuation (the playlist so far: its last " +
                                         std::to_string(report.context) +
                                         " songs, weighted 0.5^age for the baselines)";
  std::snprintf(line, sizeof(line),
                "%s: %zu pairs, %zu scored (coverage %.2f%%); targets in the head/torso/tail of "
                "popularity: %zu/%zu/%zu\n",
                protocol.c_str(), report.pairs.total, report.pairs.in_vocabulary,
                100.0 * report.pairs.coverage(), report.pairs_by_segment[0],
                report.pairs_by_segment[1], report.pairs_by_segment[2]);
  std::string text = line;
  if (report.pairs.sampled()) {
    std::snprintf(line, sizeof(line),
                  "scored on a sample of %zu of the %zu pairs (seed 1; --max-pairs 0 scores all)\n",
                  report.pairs.pairs.size(), report.pairs.in_vocabulary);
    text += line;
  }
  const std::string first_k = std::to_string(report.rankings.front().all.front().k);
  std::snprintf(line, sizeof(line), "%-32s", "ranking");
  text += line;
  for (const RankingMetrics& m : report.rankings.front().all) {
    std::snprintf(line, sizeof(line), " %8s %8s %8s", ("HR@" + std::to_string(m.k)).c_str(),
                  ("MRR@" + std::to_string(m.k)).c_str(), ("NDCG@" + std::to_string(m.k)).c_str());
    text += line;
  }
  for (const char* segment : kSegmentNames) {
    std::snprintf(line, sizeof(line), " %9s", (std::string(segment) + "@" + first_k).c_str());
    text += line;
  }
  std::snprintf(line, sizeof(line), " %9s", ("se(HR@" + first_k + ")").c_str());
  text += line;
  text += "\n";
  for (const RankingResult& ranking : report.rankings) {
    const std::string name =
        IsBaseline(ranking) ? ranking.name + " (baseline)" : model_name + " " + ranking.name;
    std::snprintf(line, sizeof(line), "%-32s", name.c_str());
    text += line;
    for (const RankingMetrics& m : ranking.all) {
      std::snprintf(line, sizeof(line), " %8.4f %8.4f %8.4f", m.hit_rate, m.mrr, m.ndcg);
      text += line;
    }
    for (const auto& segment : ranking.by_segment) {
      std::snprintf(line, sizeof(line), " %9.4f", segment.front().hit_rate);
      text += line;
    }
    std::snprintf(line, sizeof(line), " %9.4f", ranking.all.front().hit_rate_error);
    text += line;
    text += "\n";
  }
  text +=
      "(head/torso/tail@k: HR of the pairs whose next song is in that popularity segment; "
      "se(HR@k): its standard error)\n";
  ForEachComparison(report, [&](const RankingResult& model, const RankingResult& baseline,
                                const PairedComparison& c) {
    const std::string model_label = model_name + " " + model.name;
    const std::string verdict =
        std::abs(c.z()) < kSignificant
            ? "within noise"
            : (c.difference > 0 ? model_label : baseline.name) + " is better";
    std::snprintf(line, sizeof(line),
                  "paired HR@%s: %s vs %s (baseline): %+.4f, %.1f standard errors (%zu pairs hit "
                  "by it alone, %zu by the baseline alone): %s\n",
                  first_k.c_str(), model_label.c_str(), baseline.name.c_str(), c.difference,
                  std::abs(c.z()), c.only_first, c.only_second, verdict.c_str());
    text += line;
  });
  return text;
}

}  // namespace

void WarnIfCrowded(const Matrix& input, const std::string& model_name) {
  const double cosine = RandomPairCosine(input, 1000, 1);
  if (cosine > kCrowdedCosine) {
    spdlog::warn(
        "{}: its song vectors point nearly one way (random pairs' mean cosine {:.3f}): it learned "
        "little from these playlists (too few of them, or too little training: more --epochs), "
        "whatever its figures say",
        model_name, cosine);
  }
}

nlohmann::json EvaluateAndPrint(const Vocabulary& vocabulary, const Recommender& recommender,
                                const Corpus& test, const Baselines& baselines,
                                const std::vector<size_t>& ks, const SongTags* tags,
                                const std::string& model_name, int threads, size_t max_pairs,
                                size_t context, EvaluationReport* one_song) {
  EvaluationReport report =
      EvaluateNextSong(vocabulary, recommender, test, baselines, ks, threads, max_pairs);
  std::fputs(FormatReport(report, model_name).c_str(), stdout);
  for (const std::string& warning : EvaluationWarnings(report)) spdlog::warn("{}", warning);
  nlohmann::json metrics = ReportToJson(report);
  if (context > 1) {
    const NextScoring& next = recommender.next_scoring();
    char settings[384];
    std::snprintf(settings, sizeof(settings),
                  "%s continues a playlist with rules_per_play %s, rules_by_distance %s, "
                  "context_decay %g, repeats %s, repeat_weight %g, neighbors %d, "
                  "neighbors_weight %g\n",
                  model_name.c_str(), next.rules_per_play ? "true" : "false",
                  next.rules_by_distance ? "true" : "false", next.context_decay,
                  next.repeats ? "true" : "false", next.repeat_weight, next.neighbors,
                  next.neighbors_weight);
    std::fputs(settings, stdout);
    const EvaluationReport continuation =
        EvaluateNextSong(vocabulary, recommender, test, baselines, ks, threads, max_pairs, context);
    std::fputs(FormatReport(continuation, model_name).c_str(), stdout);
    metrics["continuation"] = ReportToJson(continuation);
    metrics["continuation"]["context"] = context;
  }
  if (tags != nullptr) {
    std::vector<std::vector<std::string>> tags_of_row(vocabulary.size());
    for (size_t row = 0; row < tags_of_row.size(); ++row) {
      auto it = tags->find(vocabulary.key(row));
      if (it != tags->end()) tags_of_row[row] = it->second;
    }
    const TagAgreement agreement = MeasureTagAgreement(recommender, tags_of_row, 10, threads);
    std::printf(
        "tag agreement: %.4f of the 10 nearest neighbours of %zu songs with tags share a "
        "tag with them; %.4f of random pairs do\n",
        agreement.neighbors, agreement.songs, agreement.random);
    metrics["tag_agreement"] = {{"songs", agreement.songs},
                                {"neighbors@10", agreement.neighbors},
                                {"random", agreement.random}};
  }
  std::fflush(stdout);
  if (one_song != nullptr) *one_song = std::move(report);
  return metrics;
}

}  // namespace songvec
