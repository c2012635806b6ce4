#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "core/evaluation.h"
#include "core/text_lines.h"
#include "core/word2vec_format.h"
#include "storage/database.h"
#include "storage/model_store.h"
#include "trainer/cli.h"
#include "trainer/commands.h"

namespace songvec {
namespace {

// "10,20,50" -> {10, 20, 50}, ascending, each 1..1000.
Result<std::vector<size_t>> ParseCutoffs(const std::string& text) {
  std::vector<size_t> ks;
  for (std::string_view field : Split(text, ',')) {
    uint64_t k;
    if (!ParseUint(Trim(field), &k) || k < 1 || k > 1000) {
      return Status::InvalidArgument(
          "--k expects cut-offs from 1 to 1000 separated by commas, got '" + text + "'");
    }
    ks.push_back(k);
  }
  std::sort(ks.begin(), ks.end());
  ks.erase(std::unique(ks.begin(), ks.end()), ks.end());
  return ks;
}

}  // namespace

int RunEval(const std::vector<std::string>& args) {
  SetUpLogging();
  std::string db_path, vectors_path, test_path, train_path, format_name, cutoffs = "10";
  int64_t version = 0;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  FlagSet flags(
      "songvec-train eval --playlists TEST (--db FILE [--version N] | --vectors FILE.vec --train "
      "FILE) [options]");
  flags.Add("playlists", &test_path, "test playlists");
  flags.Add("db", &db_path, "database holding the model; its metrics are stored there");
  flags.Add("version", &version, "model version to score (0: the active one)");
  flags.Add("vectors", &vectors_path,
            "score a word2vec text file instead (gensim, fastText .vec), by the same code");
  flags.Add(
      "train", &train_path,
      "training playlists, for the baselines' counts (default: the model's own training file)");
  flags.Add("format", &format_name, "yes or plain (default: the model's, else yes)");
  flags.Add("k", &cutoffs, "cut-offs, comma-separated");
  flags.Add("threads", &threads, "threads");
  if (auto exit = ParseFlags(flags, args, {"playlists"})) return *exit;
  if (db_path.empty() == vectors_path.empty()) {
    return Fail(Status::InvalidArgument("give exactly one of --db and --vectors"));
  }
  if (threads < 1) return Fail(Status::InvalidArgument("--threads must be at least 1"));
  Result<std::vector<size_t>> ks = ParseCutoffs(cutoffs);
  if (!ks.ok()) return Fail(ks.status());

  std::string model_name;
  Vocabulary vocabulary;
  Matrix vectors;
  std::optional<Database> db;
  if (!vectors_path.empty()) {
    if (train_path.empty()) {
      return Fail(Status::InvalidArgument(
          "--vectors needs --train: the baselines count songs in the training playlists"));
    }
    Result<KeyedVectors> keyed = ReadWord2VecTextFile(vectors_path);
    if (!keyed.ok()) return Fail(keyed.status());
    vocabulary = Vocabulary(std::move(keyed->keys), std::vector<int64_t>(keyed->vectors.rows(), 0));
    vectors = std::move(keyed->vectors);
    model_name = vectors_path;
  } else {
    Result<Database> opened = Database::Open(db_path, Database::Mode::kReadWrite);
    if (!opened.ok()) return Fail(opened.status());
    db.emplace(std::move(opened).value());
    ModelStore models(*db);
    if (version == 0) {
      Result<std::optional<int64_t>> active = models.ActiveVersion();
      if (!active.ok()) return Fail(active.status());
      if (!active->has_value()) {
        return Fail(Status::NotFound(db_path + " has no active model; train one first"));
      }
      version = **active;
    }
    Result<ModelInfo> info = models.Get(version);
    if (!info.ok()) return Fail(info.status());
    const auto trained_on = nlohmann::json::parse(info->trained_on);
    if (train_path.empty()) train_path = trained_on["playlists_file"]["path"].get<std::string>();
    if (format_name.empty()) format_name = trained_on["format"].get<std::string>();
    Result<Embeddings> embeddings = models.LoadEmbeddings(version);
    if (!embeddings.ok()) return Fail(embeddings.status());
    vocabulary = std::move(embeddings->vocabulary);
    vectors = std::move(embeddings->input);
    model_name = "songvec model " + std::to_string(version) + " (cosine)";
  }
  if (format_name.empty()) format_name = "yes";
  Result<DataFormat> format = ParseDataFormat(format_name);
  if (!format.ok()) return Fail(format.status());

  Result<Corpus> test = ReadCorpus(test_path, *format, nullptr);
  if (!test.ok()) return Fail(test.status());
  Result<Corpus> train = ReadCorpus(train_path, *format, nullptr);
  if (!train.ok()) {
    return Fail(train.status().WithContext("the baselines need the training playlists (--train)"));
  }
  spdlog::info("scoring {} songs on {} against baselines counted in {}", vocabulary.size(),
               test_path, train_path);
  const EvaluationReport report =
      EvaluateNextSong(vocabulary, vectors, *test, *train, *ks, threads);
  std::fputs(FormatReport(report, model_name).c_str(), stdout);

  if (db.has_value()) {
    Result<nlohmann::json> test_file = DescribeFile(test_path);
    if (!test_file.ok()) return Fail(test_file.status());
    nlohmann::json metrics = ReportToJson(report);
    metrics["test_file"] = *test_file;
    if (Status s =
            ModelStore(*db).SetMetrics(version, nlohmann::json{{"next_song", metrics}}.dump());
        !s.ok()) {
      return Fail(s);
    }
    std::printf("stored with model version %lld\n", static_cast<long long>(version));
  }
  return 0;
}

}  // namespace songvec
