#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>
#include <tuple>

#include "core/cooccurrence.h"
#include "core/query.h"
#include "core/random.h"
#include "storage/catalog_store.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "storage/model_json.h"
#include "storage/model_store.h"
#include "storage/tuning_store.h"

namespace songvec {
namespace {

namespace fs = std::filesystem;

// A fresh folder per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "songvec_test_XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string File(const std::string& name) const { return (fs::path(path_) / name).string(); }

 private:
  std::string path_;
};

Database OpenOrDie(const std::string& path, Database::Mode mode = Database::Mode::kReadWrite) {
  Result<Database> db = Database::Open(path, mode);
  EXPECT_TRUE(db.ok()) << db.status().message();
  return std::move(db).value();
}

int64_t CountRows(Database& db, const std::string& table) {
  Result<Statement> count = db.Prepare("SELECT count(*) FROM " + table);
  EXPECT_TRUE(count.ok());
  EXPECT_TRUE(*count->Step());
  return count->ColumnInt(0);
}

Embeddings RandomEmbeddings(size_t songs, int dim, uint64_t seed) {
  Random rng(seed);
  std::vector<std::string> keys;
  std::vector<int64_t> counts;
  for (size_t i = 0; i < songs; ++i) {
    keys.push_back("song" + std::to_string(seed) + "_" + std::to_string(i));
    counts.push_back(static_cast<int64_t>(songs - i));
  }
  Embeddings e{Vocabulary(keys, counts), Matrix(songs, dim), Matrix(songs, dim)};
  for (Eigen::Index i = 0; i < e.input.size(); ++i) {
    e.input.data()[i] = rng.UniformFloat() - 0.5f;
    e.output.data()[i] = rng.UniformFloat() * 1e-20f;
  }
  return e;
}

ModelInfo SomeInfo() {
  ModelInfo info;
  info.algorithm = "sgns-skipgram";
  info.hyperparameters = R"({"dim":8})";
  info.trained_on = R"({"playlists":3})";
  info.songvec_version = "test";
  info.training_seconds = 1.5;
  info.tokens = 1234;
  return info;
}

// Inserts and activates a model in one transaction; returns its version.
int64_t Store(Database& db, const Embeddings& embeddings) {
  Result<Transaction> transaction = Transaction::Begin(db);
  EXPECT_TRUE(transaction.ok());
  ModelStore models(db);
  Result<int64_t> version = models.Insert(SomeInfo(), embeddings, nullptr);
  EXPECT_TRUE(version.ok()) << version.status().message();
  EXPECT_TRUE(models.Activate(*version).ok());
  EXPECT_TRUE(transaction->Commit().ok());
  return *version;
}

void ExpectSameEmbeddings(const Embeddings& a, const Embeddings& b) {
  EXPECT_EQ(a.vocabulary.keys(), b.vocabulary.keys());
  EXPECT_EQ(a.vocabulary.counts(), b.vocabulary.counts());
  ASSERT_EQ(a.input.rows(), b.input.rows());
  ASSERT_EQ(a.input.cols(), b.input.cols());
  const size_t bytes = sizeof(float) * a.input.size();
  EXPECT_EQ(std::memcmp(a.input.data(), b.input.data(), bytes), 0);
  EXPECT_EQ(std::memcmp(a.output.data(), b.output.data(), bytes), 0);
}

TEST(Migrations, AreAppliedInOrderAndRecordedOnAFreshDatabase) {
  Database db = OpenOrDie(":memory:");
  Result<Statement> select =
      db.Prepare("SELECT version, name FROM schema_migrations ORDER BY version");
  ASSERT_TRUE(select.ok());
  for (const Migration& migration : EmbeddedMigrations()) {
    ASSERT_TRUE(*select->Step());
    EXPECT_EQ(select->ColumnInt(0), migration.version);
    EXPECT_EQ(select->ColumnText(1), migration.name);
  }
  EXPECT_FALSE(*select->Step());
  EXPECT_EQ(EmbeddedMigrations()[0].name, "init");
  for (const char* table : {"songs", "models", "model_vectors", "active_model"}) {
    EXPECT_EQ(CountRows(db, table), 0) << table;
  }
}

TEST(Migrations, ReopeningAppliesNothingTwice) {
  TempDir dir;
  { OpenOrDie(dir.File("a.db")); }
  Database db = OpenOrDie(dir.File("a.db"));
  EXPECT_EQ(CountRows(db, "schema_migrations"), static_cast<int64_t>(EmbeddedMigrations().size()));
}

TEST(Migrations, AFailedMigrationLeavesNoTraceAndSaysWhich) {
  Database db = OpenOrDie(":memory:");
  std::vector<Migration> migrations(EmbeddedMigrations().begin(), EmbeddedMigrations().end());
  const int broken = static_cast<int>(migrations.size()) + 1;
  migrations.push_back({broken, "broken", "CREATE TABLE half (x INTEGER); THIS IS NOT SQL;"});
  Status status = ApplyMigrations(db, migrations);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(
      status.message().find("schema migration " + std::to_string(broken) + " (broken) failed"),
      std::string::npos)
      << status.message();
  EXPECT_EQ(CountRows(db, "schema_migrations"), broken - 1);
  EXPECT_FALSE(db.Prepare("SELECT * FROM half").ok());
}

// Two trainers creating one database at once: the one that waited finds the migration applied by
// the other and skips it, instead of failing on its tables.
TEST(Migrations, AMigrationAppliedByAnotherWhileThisOneWaitedIsSkipped) {
  TempDir dir;
  const std::string path = dir.File("both.db");
  Database first = OpenOrDie(path);
  Database second = OpenOrDie(path);
  std::vector<Migration> migrations(EmbeddedMigrations().begin(), EmbeddedMigrations().end());
  const int extra = static_cast<int>(migrations.size()) + 1;
  migrations.push_back({extra, "extra", "CREATE TABLE extra (x INTEGER);"});
  std::atomic<int> waits = 0;
  second.QueueWrites([&waits] { ++waits; });
  Result<Transaction> applying = Transaction::Begin(first);
  ASSERT_TRUE(applying.ok());
  Status second_applied;
  std::thread later([&] { second_applied = ApplyMigrations(second, migrations); });
  while (waits == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  // What the first one's ApplyMigrations does for it, while the second waits.
  ASSERT_TRUE(first
                  .Execute("CREATE TABLE extra (x INTEGER);"
                           "INSERT INTO schema_migrations (version, name) VALUES (" +
                           std::to_string(extra) + ", 'extra')")
                  .ok());
  ASSERT_TRUE(applying->Commit().ok());
  later.join();
  EXPECT_TRUE(second_applied.ok()) << second_applied.message();
  EXPECT_EQ(CountRows(second, "schema_migrations"), extra);
}

// Opening an up-to-date database reads it only: it does not wait for another's write.
TEST(Migrations, OpeningAnUpToDateDatabaseDoesNotWaitForAWriter) {
  TempDir dir;
  const std::string path = dir.File("busy.db");
  Database writer = OpenOrDie(path);
  Result<Transaction> writing = Transaction::Begin(writer);
  ASSERT_TRUE(writing.ok());
  Database reopened = OpenOrDie(path);
  EXPECT_EQ(CountRows(reopened, "schema_migrations"),
            static_cast<int64_t>(EmbeddedMigrations().size()));
}

TEST(Migrations, RefusesADatabaseFromANewerSongvec) {
  TempDir dir;
  {
    Database db = OpenOrDie(dir.File("new.db"));
    ASSERT_TRUE(
        db.Execute("INSERT INTO schema_migrations (version, name) VALUES (999, 'future')").ok());
  }
  Result<Database> db = Database::Open(dir.File("new.db"), Database::Mode::kReadWrite);
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.status().message().find("schema migration 999 (future) which this songvec does not "
                                       "know; it was written by a newer songvec"),
            std::string::npos)
      << db.status().message();
}

TEST(Migrations, ReadOnlyOpeningRefusesAnOutdatedSchemaAndSaysHowToUpgrade) {
  TempDir dir;
  {
    Database db = OpenOrDie(dir.File("old.db"));
    ASSERT_TRUE(db.Execute("DELETE FROM schema_migrations").ok());
  }
  Result<Database> db = Database::Open(dir.File("old.db"), Database::Mode::kReadOnly);
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.status().message().find("songvec-train migrate --db"), std::string::npos)
      << db.status().message();
}

TEST(Database, NamesTheFileWhenItIsMissingOrNotADatabase) {
  TempDir dir;
  Result<Database> missing = Database::Open(dir.File("none.db"), Database::Mode::kReadOnly);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find(dir.File("none.db")), std::string::npos);
  std::ofstream(dir.File("junk.db")) << std::string(8192, 'x');
  Result<Database> junk = Database::Open(dir.File("junk.db"), Database::Mode::kReadWrite);
  ASSERT_FALSE(junk.ok());
  EXPECT_NE(junk.status().message().find("file is not a database"), std::string::npos)
      << junk.status().message();
}

TEST(ModelStore, RoundTripIsExact) {
  Database db = OpenOrDie(":memory:");
  const Embeddings embeddings = RandomEmbeddings(300, 24, 1);
  const int64_t version = Store(db, embeddings);
  ModelStore models(db);
  Result<Embeddings> loaded = models.LoadEmbeddings(version);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  ExpectSameEmbeddings(embeddings, *loaded);
  Result<ModelInfo> info = models.Get(version);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->algorithm, "sgns-skipgram");
  EXPECT_EQ(info->hyperparameters, R"({"dim":8})");
  EXPECT_EQ(info->vocab_size, 300);
  EXPECT_EQ(info->dim, 24);
  EXPECT_EQ(info->tokens, 1234);
  EXPECT_TRUE(info->active);
  EXPECT_EQ(info->metrics, "{}");
  EXPECT_EQ(info->created_at.size(), 24u);          // 2026-11-28T03:09:53.123Z
  EXPECT_EQ(info->stored_bytes, 2 * 300 * 24 * 4);  // both matrices, float32
}

// A matrix over 16 MiB is stored in several chunks and read back whole.
TEST(ModelStore, ValuesLargerThanAChunkRoundTripExactly) {
  Database db = OpenOrDie(":memory:");
  const Embeddings embeddings = RandomEmbeddings(70000, 64, 7);  // 17.9 MB per matrix
  const int64_t version = Store(db, embeddings);
  Statement chunks =
      std::move(db.Prepare("SELECT count(*) FROM model_blobs WHERE name = 'input'")).value();
  ASSERT_TRUE(*chunks.Step());
  EXPECT_EQ(chunks.ColumnInt(0), 2);
  Result<Embeddings> loaded = ModelStore(db).LoadEmbeddings(version);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  ExpectSameEmbeddings(embeddings, *loaded);
}

TEST(ModelStore, StoredBytesCountVectorsAndCountsAsTheBlobsHoldThem) {
  Database db = OpenOrDie(":memory:");
  ModelInfo info;
  info.algorithm = "imported";
  info.hyperparameters = info.trained_on = "{}";
  info.songvec_version = "test";
  Embeddings input_only = RandomEmbeddings(10, 4, 1);
  input_only.output = Matrix();
  // Two playlists, 0 1 2 and 3 0: seven entries with their ends.
  const SequentialRules rules =
      *SequentialRules::FromRows({0, 1, 2, SequentialRules::kEnd, 3, 0, SequentialRules::kEnd}, 10);
  ModelStore models(db);
  Result<int64_t> imported = models.Insert(info, input_only, nullptr);
  Result<int64_t> blend = models.Insert(info, RandomEmbeddings(10, 4, 2), &rules);
  ASSERT_TRUE(imported.ok() && blend.ok());
  EXPECT_EQ(models.Get(*imported)->stored_bytes, 10 * 4 * 4);
  EXPECT_EQ(models.Get(*blend)->stored_bytes, 2 * 10 * 4 * 4 + 7 * 4);
  for (int64_t version : {*imported, *blend}) {
    Statement sum = std::move(db.Prepare("SELECT sum(length(data)) FROM model_blobs WHERE "
                                         "model_version = ?1 AND name IN ('input', 'output', "
                                         "'rules_rows')"))
                        .value();
    sum.Bind(1, version);
    ASSERT_TRUE(*sum.Step());
    EXPECT_EQ(sum.ColumnInt(0), models.Get(version)->stored_bytes);
  }
}

TEST(ModelStore, VersionsAreNewRowsAndActivationMoves) {
  Database db = OpenOrDie(":memory:");
  const int64_t first = Store(db, RandomEmbeddings(10, 4, 1));
  const int64_t second = Store(db, RandomEmbeddings(12, 4, 2));
  EXPECT_EQ(second, first + 1);
  ModelStore models(db);
  EXPECT_EQ(**models.ActiveVersion(), second);
  ASSERT_TRUE(models.Activate(first).ok());
  EXPECT_EQ(**models.ActiveVersion(), first);
  EXPECT_FALSE(models.Get(second)->active);
  Status missing = models.Activate(77);
  EXPECT_EQ(missing.code(), Status::Code::kNotFound);
  EXPECT_EQ(missing.message(), "there is no model version 77");
}

// Regression (issue 17): eval replaced the "next_song" that train --test stored, so the metrics
// held only the last evaluation although the README promises every one.
TEST(ModelStore, EvaluationsAccumulateAndKeepTheActivationDecision) {
  Database db = OpenOrDie(":memory:");
  ModelInfo info = SomeInfo();
  info.metrics = R"({"activation":{"activated":true,"policy":"if-better"}})";
  Result<int64_t> version = ModelStore(db).Insert(info, RandomEmbeddings(10, 4, 1), nullptr);
  ASSERT_TRUE(version.ok()) << version.status().message();
  ModelStore models(db);
  const auto test_file = [](const char* hash) {
    return nlohmann::json{{"path", "test.txt"}, {"bytes", 10}, {"fnv1a64", hash}};
  };
  const nlohmann::json first = {{"hr@10", 0.25}, {"test_file", test_file("00000000000000aa")}};
  const nlohmann::json second = {{"hr@10", 0.5}, {"test_file", test_file("00000000000000bb")}};
  ASSERT_TRUE(models.AddEvaluation(*version, "train --test", first.dump()).ok());
  ASSERT_TRUE(models.AddEvaluation(*version, "eval", second.dump()).ok());

  const auto metrics = nlohmann::json::parse(models.Get(*version)->metrics);
  EXPECT_EQ(metrics["activation"], nlohmann::json::parse(info.metrics)["activation"]);
  EXPECT_EQ(metrics["next_song"], second);  // the last, which models list shows
  const nlohmann::json& evaluations = metrics["evaluations"];
  ASSERT_EQ(evaluations.size(), 2u) << metrics.dump();
  EXPECT_EQ(evaluations[0]["by"], "train --test");
  EXPECT_EQ(evaluations[0]["next_song"], first);
  EXPECT_EQ(evaluations[1]["by"], "eval");
  EXPECT_EQ(evaluations[1]["next_song"], second);
  for (const nlohmann::json& evaluation : evaluations) {
    const std::string at = evaluation["evaluated_at"].get<std::string>();
    EXPECT_EQ(at.size(), std::string("2026-12-07T22:20:00.000Z").size()) << at;
    EXPECT_EQ(at.back(), 'Z') << at;
  }
  EXPECT_LE(evaluations[0]["evaluated_at"].get<std::string>(),
            evaluations[1]["evaluated_at"].get<std::string>());

  const Status missing = models.AddEvaluation(77, "eval", second.dump());
  EXPECT_EQ(missing.code(), Status::Code::kNotFound);
  EXPECT_EQ(missing.message(), "there is no model version 77");
}

// List reads every version in one query: the same fields as Get, oldest first, the active marked.
TEST(ModelStore, ListHoldsWhatGetReadsOfEveryVersion) {
  Database db = OpenOrDie(":memory:");
  const int64_t first = Store(db, RandomEmbeddings(10, 4, 1));
  const int64_t second = Store(db, RandomEmbeddings(12, 4, 2));
  ModelStore models(db);
  ASSERT_TRUE(models.Activate(first).ok());
  Result<std::vector<ModelInfo>> all = models.List();
  ASSERT_TRUE(all.ok()) << all.status().message();
  ASSERT_EQ(all->size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const ModelInfo& listed = (*all)[i];
    const ModelInfo got = *models.Get(i == 0 ? first : second);
    EXPECT_EQ(listed.version, got.version);
    EXPECT_EQ(listed.created_at, got.created_at);
    EXPECT_EQ(listed.algorithm, got.algorithm);
    EXPECT_EQ(listed.hyperparameters, got.hyperparameters);
    EXPECT_EQ(listed.trained_on, got.trained_on);
    EXPECT_EQ(listed.metrics, got.metrics);
    EXPECT_EQ(listed.vocab_size, got.vocab_size);
    EXPECT_EQ(listed.stored_bytes, got.stored_bytes);
    EXPECT_EQ(listed.active, i == 0);
  }
  EXPECT_EQ((*all)[1].vocab_size, 12);
}

TEST(ModelStore, NoActiveModelOnAFreshDatabase) {
  Database db = OpenOrDie(":memory:");
  Result<std::optional<int64_t>> active = ModelStore(db).ActiveVersion();
  ASSERT_TRUE(active.ok());
  EXPECT_FALSE(active->has_value());
}

TEST(ModelStore, AFailedWriteLeavesTheActiveModelAsItWas) {
  Database db = OpenOrDie(":memory:");
  const Embeddings before = RandomEmbeddings(20, 8, 1);
  const int64_t active = Store(db, before);
  // The disk "fills up" on the output vectors of the next model.
  ASSERT_TRUE(db.Execute("CREATE TRIGGER full BEFORE INSERT ON model_blobs WHEN NEW.name = "
                         "'output' BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END")
                  .ok());
  {
    Result<Transaction> transaction = Transaction::Begin(db);
    ASSERT_TRUE(transaction.ok());
    Result<int64_t> version =
        ModelStore(db).Insert(SomeInfo(), RandomEmbeddings(20, 8, 2), nullptr);
    ASSERT_FALSE(version.ok());
    EXPECT_NE(version.status().message().find("disk full (simulated)"), std::string::npos);
  }  // rolled back here
  ModelStore models(db);
  EXPECT_EQ(**models.ActiveVersion(), active);
  EXPECT_EQ(CountRows(db, "models"), 1);
  EXPECT_EQ(CountRows(db, "model_blobs"), 4);  // keys, counts, input, output
  ExpectSameEmbeddings(before, *models.LoadEmbeddings(active));
}

TEST(ModelStore, AWriterKilledMidTransactionLeavesTheActiveModelAsItWas) {
  TempDir dir;
  const std::string path = dir.File("killed.db");
  const Embeddings before = RandomEmbeddings(50, 8, 1);
  int64_t active;
  {
    Database db = OpenOrDie(path);
    active = Store(db, before);
  }
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // A big model, so that SQLite spills uncommitted pages to the WAL before the kill.
    Result<Database> db = Database::Open(path, Database::Mode::kReadWrite);
    if (!db.ok()) _exit(3);
    Result<Transaction> transaction = Transaction::Begin(*db);
    if (!transaction.ok()) _exit(4);
    ModelStore models(*db);
    Result<int64_t> version = models.Insert(SomeInfo(), RandomEmbeddings(20000, 64, 2), nullptr);
    if (!version.ok() || !models.Activate(*version).ok()) _exit(5);
    raise(SIGKILL);  // before Commit
    _exit(6);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);

  Database db = OpenOrDie(path);
  ModelStore models(db);
  EXPECT_EQ(**models.ActiveVersion(), active);
  EXPECT_EQ(CountRows(db, "models"), 1);
  EXPECT_EQ(CountRows(db, "model_blobs"), 4);
  ExpectSameEmbeddings(before, *models.LoadEmbeddings(active));
}

// Two trainers on one database: the second's write waits for the first's, says once that it
// waits, and lands after it; both models are kept.
TEST(ModelStore, AWriterQueuesBehindAnotherAndBothModelsLand) {
  TempDir dir;
  const std::string path = dir.File("queue.db");
  Database first = OpenOrDie(path);
  Database second = OpenOrDie(path);
  std::atomic<int> waits = 0;
  second.QueueWrites([&waits] { ++waits; });
  Result<Transaction> first_write = Transaction::Begin(first);
  ASSERT_TRUE(first_write.ok());
  std::thread later([&] {
    Result<Transaction> second_write = Transaction::Begin(second);
    ASSERT_TRUE(second_write.ok()) << second_write.status().message();
    ASSERT_TRUE(ModelStore(second).Insert(SomeInfo(), RandomEmbeddings(20, 8, 2), nullptr).ok());
    ASSERT_TRUE(second_write->Commit().ok());
  });
  while (waits == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  // The second writer is queued now: it lands once this one commits.
  ASSERT_TRUE(ModelStore(first).Insert(SomeInfo(), RandomEmbeddings(20, 8, 1), nullptr).ok());
  ASSERT_TRUE(first_write->Commit().ok());
  later.join();
  EXPECT_EQ(waits, 1);
  EXPECT_EQ(CountRows(first, "models"), 2);
}

// A writer that waits longer than it may gives up, naming who could hold the lock.
TEST(ModelStore, AWriterThatWaitsPastItsLimitSaysWhoMayHoldTheLock) {
  TempDir dir;
  const std::string path = dir.File("held.db");
  Database holder = OpenOrDie(path);
  Database waiter = OpenOrDie(path);
  waiter.QueueWrites(nullptr, std::chrono::milliseconds(100));
  Result<Transaction> held = Transaction::Begin(holder);
  ASSERT_TRUE(held.ok());
  Result<Transaction> refused = Transaction::Begin(waiter);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(),
            path +
                ": database is locked (another process held its lock longer than this one "
                "waits: is another songvec-train writing to it, or a sqlite3 shell in a "
                "transaction?)");
}

TEST(ModelStore, ADamagedValueIsReportedWithWhatItHolds) {
  Database db = OpenOrDie(":memory:");
  const int64_t version = Store(db, RandomEmbeddings(5, 8, 1));
  ASSERT_TRUE(db.Execute("UPDATE model_blobs SET data = x'00' WHERE name = 'input'").ok());
  Result<Embeddings> loaded = ModelStore(db).LoadEmbeddings(version);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), Status::Code::kCorruption);
  EXPECT_NE(loaded.status().message().find("model 1: its input value holds 1 bytes, expected 160"),
            std::string::npos)
      << loaded.status().message();
  ASSERT_TRUE(db.Execute("UPDATE model_blobs SET data = CAST('a' || x'0a' || 'b' AS BLOB) WHERE "
                         "name = 'keys'")
                  .ok());
  loaded = ModelStore(db).LoadEmbeddings(version);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("its song ids do not end with a line feed"),
            std::string::npos)
      << loaded.status().message();
}

// Regression: a NaN or an infinity in a stored vector (a damaged file, an imported model) loaded,
// and the server answered "score":nan.0, which is not JSON. Loading names the song instead.
TEST(ModelStore, AVectorThatIsNotFiniteIsCorruptionNamingTheSong) {
  Database db = OpenOrDie(":memory:");
  Embeddings embeddings = RandomEmbeddings(5, 8, 1);
  embeddings.input(3, 2) = std::numeric_limits<float>::quiet_NaN();
  const int64_t nan_version = Store(db, embeddings);
  embeddings = RandomEmbeddings(5, 8, 1);
  embeddings.output(1, 7) = -std::numeric_limits<float>::infinity();
  const int64_t infinite_version = Store(db, embeddings);
  for (const auto& [version, message] :
       {std::pair{nan_version,
                  ":memory:: model 1: the input vector of song 'song1_3' holds a value that is not "
                  "a finite number"},
        std::pair{infinite_version,
                  ":memory:: model 2: the output vector of song 'song1_1' holds a value that is "
                  "not a finite number"}}) {
    Result<StoredModel> loaded = ModelStore(db).Load(version);
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.status().code(), Status::Code::kCorruption);
    EXPECT_EQ(loaded.status().message(), message);
  }
}

// What a model's searches need comes back as stored; a layout that does not lay out the model's
// rows is refused naming it.
TEST(ModelStore, StoredSearchesRoundTripAndLayoutsAreChecked) {
  Database db = OpenOrDie(":memory:");
  const Embeddings embeddings = RandomEmbeddings(40, 4, 5);
  StoredSearch search = Recommender::PrepareSearch(embeddings, 1, nullptr);
  search.similar_graph = "graph bytes";  // stored as they are; the Recommender reads them
  ModelStore models(db);
  Result<int64_t> version = models.Insert(SomeInfo(), embeddings, nullptr, search);
  ASSERT_TRUE(version.ok()) << version.status().message();
  Result<StoredModel> loaded = models.Load(*version);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->search.similar, search.similar);
  EXPECT_EQ(loaded->search.next, search.next);
  EXPECT_EQ(loaded->search.similar_graph, "graph bytes");
  EXPECT_FALSE(search.next.empty());
  ASSERT_TRUE(
      db.Execute("UPDATE model_blobs SET data = zeroblob(length(data)) WHERE name = 'layout_next'")
          .ok());
  loaded = models.Load(*version);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("its layout_next value does not lay out its 40 songs"),
            std::string::npos)
      << loaded.status().message();
}

// A model a songvec before migration 7 stored, a row of model_vectors and model_cooccurrence per
// song, loads as it was written.
TEST(ModelStore, ModelsStoredARowPerSongStillLoad) {
  Database db = OpenOrDie(":memory:");
  const Embeddings embeddings = RandomEmbeddings(6, 3, 4);
  ASSERT_TRUE(db.Execute("INSERT INTO models (algorithm, hyperparameters, trained_on, vocab_size, "
                         "dim, training_seconds, tokens, songvec_version) VALUES ('sgns-skipgram', "
                         "'{}', '{}', 6, 3, 1, 10, 'old')")
                  .ok());
  Statement insert = std::move(db.Prepare("INSERT INTO model_vectors (model_version, row, song_id, "
                                          "count, input, output) VALUES (1, ?, ?, ?, ?, ?)"))
                         .value();
  for (int row = 0; row < 6; ++row) {
    auto bytes = [&](const Matrix& m) {
      return std::as_bytes(std::span<const float>(m.data() + row * 3, 3));
    };
    ASSERT_TRUE(insert.Bind(1, int64_t{row})
                    .Bind(2, embeddings.vocabulary.key(row))
                    .Bind(3, embeddings.vocabulary.count(row))
                    .BindBlob(4, bytes(embeddings.input))
                    .BindBlob(5, bytes(embeddings.output))
                    .Run()
                    .ok());
    insert.Reset();
  }
  // Row 0 stood next to row 4 twice.
  const int32_t pair[] = {4, 2};
  Statement neighbors = std::move(db.Prepare("INSERT INTO model_cooccurrence (model_version, row, "
                                             "neighbors) VALUES (1, 0, ?)"))
                            .value();
  ASSERT_TRUE(neighbors.BindBlob(1, std::as_bytes(std::span(pair))).Run().ok());
  ModelStore models(db);
  Result<StoredModel> loaded = models.Load(1);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  ExpectSameEmbeddings(embeddings, loaded->embeddings);
  const auto counts = std::dynamic_pointer_cast<const Cooccurrence>(loaded->pairs);
  ASSERT_NE(counts, nullptr);
  ASSERT_EQ(counts->neighbors(0).size(), 1u);
  EXPECT_EQ(counts->neighbors(0)[0], (std::pair<int32_t, int32_t>{4, 2}));
  EXPECT_TRUE(counts->neighbors(1).empty());
}

// The weights a model's next scores are blended with are typed columns: they come back exactly.
TEST(ModelStore, TheScoringWeightsRoundTripExactly) {
  Database db = OpenOrDie(":memory:");
  ModelInfo info = SomeInfo();
  info.scoring = {-0.5f, 1000.0f, true, true, 0.85f, true, 0.25f, 10, 30.0f};
  Result<int64_t> version = ModelStore(db).Insert(info, RandomEmbeddings(10, 4, 1), nullptr);
  ASSERT_TRUE(version.ok()) << version.status().message();
  const NextScoring stored = ModelStore(db).Get(*version)->scoring;
  EXPECT_EQ(stored.popularity_weight, -0.5f);
  EXPECT_EQ(stored.rules_weight, 1000.0f);
  EXPECT_TRUE(stored.rules_per_play);
  EXPECT_TRUE(stored.rules_by_distance);
  EXPECT_EQ(stored.context_decay, 0.85f);
  EXPECT_TRUE(stored.repeats);
  EXPECT_EQ(stored.repeat_weight, 0.25f);
  EXPECT_EQ(stored.neighbors, 10);
  EXPECT_EQ(stored.neighbors_weight, 30.0f);
}

// One rendering of a model's row for models show and GET /v1/models: its keys in order, the JSON
// columns as objects (an empty one where a column does not parse).
TEST(ModelStore, ModelInfoToJsonHoldsEveryColumnInOrder) {
  ModelInfo info = SomeInfo();
  info.version = 3;
  info.metrics = "not json";
  const nlohmann::ordered_json shown = ModelInfoToJson(info);
  std::vector<std::string> keys;
  for (const auto& item : shown.items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"version", "active", "created_at", "algorithm",
                                            "songvec_version", "vocab_size", "dim",
                                            "training_seconds", "tokens", "stored_bytes",
                                            "hyperparameters", "trained_on", "metrics"}));
  EXPECT_EQ(shown["version"], 3);
  EXPECT_EQ(shown["hyperparameters"], nlohmann::ordered_json::parse(info.hyperparameters));
  EXPECT_EQ(shown["trained_on"]["playlists"], 3);
  EXPECT_EQ(shown["metrics"], nlohmann::ordered_json::object());
  EXPECT_EQ(shown["training_seconds"], 1.5);
}

// Migration 8 fills the typed weights of models stored before it from their hyperparameters, as
// songvec read them until then: the count term per play where they say so, and raw sums where they
// do not, its weight rules_weight, else the older cooccurrence_weight; the popularity weight
// next_bias, else the ns_exponent; the continuation choices as stored, else as models before them
// scored (a value of the wrong type counts as none).
TEST(Migrations, TheScoringWeightsAreBackfilledFromTheHyperparameters) {
  TempDir dir;
  {
    // A database as a songvec before migration 8 left it, with three models.
    Database db = OpenOrDie(dir.File("old.db"));
    for (const char* column : {"next_bias", "rules_weight", "rules_per_play", "rules_by_distance",
                               "context_decay", "repeats", "repeat_weight"}) {
      ASSERT_TRUE(db.Execute(std::string("ALTER TABLE models DROP COLUMN ") + column).ok());
    }
    ASSERT_TRUE(db.Execute("DELETE FROM schema_migrations WHERE version = 8").ok());
    for (const char* hyperparameters :
         {R"({"rules_weight": 1000, "rules_per_play": true, "next_bias": -0.5,
              "ns_exponent": 0.75, "rules_by_distance": true, "context_decay": 0.85,
              "repeats": true, "repeat_weight": 0.25})",
          R"({"rules_weight": 30, "ns_exponent": 0.75})",
          R"({"cooccurrence_weight": 10, "rules_per_play": "yes"})"}) {
      Result<Statement> insert = db.Prepare(
          "INSERT INTO models (algorithm, hyperparameters, trained_on, vocab_size, dim, "
          "training_seconds, tokens, songvec_version) "
          "VALUES ('sgns-skipgram', ?, '{}', 0, 4, 1, 10, 'old')");
      ASSERT_TRUE(insert.ok());
      ASSERT_TRUE(insert->Bind(1, hyperparameters).Run().ok());
    }
  }
  Database db = OpenOrDie(dir.File("old.db"));
  ModelStore models(db);
  NextScoring next = models.Get(1)->scoring;
  EXPECT_TRUE(next.rules_per_play);
  EXPECT_EQ(next.rules_weight, 1000.0f);
  EXPECT_EQ(next.popularity_weight, -0.5f);
  EXPECT_TRUE(next.rules_by_distance);
  EXPECT_EQ(next.context_decay, 0.85f);
  EXPECT_TRUE(next.repeats);
  EXPECT_EQ(next.repeat_weight, 0.25f);
  next = models.Get(2)->scoring;
  EXPECT_FALSE(next.rules_per_play);
  EXPECT_EQ(next.rules_weight, 30.0f);
  EXPECT_EQ(next.popularity_weight, 0.75f);
  EXPECT_FALSE(next.rules_by_distance);
  EXPECT_EQ(next.context_decay, 0.5f);
  EXPECT_FALSE(next.repeats);
  EXPECT_EQ(next.repeat_weight, 1.0f);
  next = models.Get(3)->scoring;
  EXPECT_FALSE(next.rules_per_play);
  EXPECT_EQ(next.rules_weight, 10.0f);
  EXPECT_EQ(next.popularity_weight, 0.0f);
}

// Stored rules come back as they went in; a blend model stored with co-occurrence counts, before
// the rules replaced them, loads with those; a damaged rules value is refused, naming the entry.
TEST(ModelStore, RulesRoundTripIsExactAndCountsStoredBeforeThemStillLoad) {
  Database db = OpenOrDie(":memory:");
  const std::vector<int32_t> rows = {
      0, 1, -1, 3, SequentialRules::kEnd, 2, 0, SequentialRules::kEnd};
  const SequentialRules rules = *SequentialRules::FromRows(rows, 4);
  ModelStore models(db);
  Result<int64_t> version = models.Insert(SomeInfo(), RandomEmbeddings(4, 2, 3), &rules);
  ASSERT_TRUE(version.ok()) << version.status().message();
  Result<std::shared_ptr<const PairScores>> loaded = models.LoadPairScores(*version);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const auto loaded_rules = std::dynamic_pointer_cast<const SequentialRules>(*loaded);
  ASSERT_NE(loaded_rules, nullptr);
  EXPECT_EQ(loaded_rules->rows(), rows);

  Result<int64_t> plain = models.Insert(SomeInfo(), RandomEmbeddings(4, 2, 4), nullptr);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*models.LoadPairScores(*plain), nullptr);
  // As a songvec before the rules stored counts: row 0 stood next to 1 (5 times) and 3, 2 next to
  // 0.
  const uint64_t starts[] = {0, 2, 2, 3, 3};
  const std::pair<int32_t, int32_t> entries[] = {{1, 5}, {3, 1}, {0, 1}};
  Statement blob =
      std::move(db.Prepare("INSERT INTO model_blobs (model_version, name, chunk, data) "
                           "VALUES (?, ?, 0, ?)"))
          .value();
  ASSERT_TRUE(blob.Bind(1, *plain)
                  .Bind(2, std::string("cooccurrence_starts"))
                  .BindBlob(3, std::as_bytes(std::span(starts)))
                  .Run()
                  .ok());
  blob.Reset();
  ASSERT_TRUE(blob.Bind(1, *plain)
                  .Bind(2, std::string("cooccurrence_entries"))
                  .BindBlob(3, std::as_bytes(std::span(entries)))
                  .Run()
                  .ok());
  loaded = models.LoadPairScores(*plain);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const auto counts = std::dynamic_pointer_cast<const Cooccurrence>(*loaded);
  ASSERT_NE(counts, nullptr);
  EXPECT_EQ(counts->starts(), (std::vector<size_t>{0, 2, 2, 3, 3}));
  EXPECT_EQ(counts->entries(),
            (std::vector<std::pair<int32_t, int32_t>>(std::begin(entries), std::end(entries))));

  // Entry 3 names song 7 of 4.
  std::vector<int32_t> damaged = rows;
  damaged[3] = 7;
  Statement patch = std::move(db.Prepare("UPDATE model_blobs SET data = ?1 "
                                         "WHERE model_version = ?2 AND name = 'rules_rows'"))
                        .value();
  ASSERT_TRUE(patch.BindBlob(1, std::as_bytes(std::span(damaged))).Bind(2, *version).Run().ok());
  loaded = models.LoadPairScores(*version);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), Status::Code::kCorruption);
  EXPECT_NE(loaded.status().message().find("model " + std::to_string(*version) +
                                           ": sequential rules entry 3 is 7, not a song of 4"),
            std::string::npos)
      << loaded.status().message();
}

// A search's trials are rows of tuning_trials under the time it started, exactly as recorded.
TEST(TuningStore, TrialsAreRecordedUnderTheirSearch) {
  Database db = OpenOrDie(":memory:");
  TuningStore tuning(db);
  Result<std::string> search = tuning.StartSearch();
  ASSERT_TRUE(search.ok()) << search.status().message();
  EXPECT_EQ(search->size(), std::string("2026-12-07T22:20:00.000Z").size()) << *search;
  ASSERT_TRUE(tuning.RecordTrial(*search, 1, R"({"dim":8})", R"({"next_hr@10":0.25})", 1.5).ok());
  ASSERT_TRUE(tuning.RecordTrial(*search, 2, R"({"dim":16})", R"({"next_hr@10":0.5})", 2.25).ok());
  Result<Statement> select = db.Prepare(
      "SELECT search, trial, hyperparameters, metrics, seconds FROM tuning_trials ORDER BY id");
  ASSERT_TRUE(select.ok());
  for (const auto& [trial, hyperparameters, metrics, seconds] :
       {std::tuple{1, R"({"dim":8})", R"({"next_hr@10":0.25})", 1.5},
        std::tuple{2, R"({"dim":16})", R"({"next_hr@10":0.5})", 2.25}}) {
    ASSERT_TRUE(*select->Step());
    EXPECT_EQ(select->ColumnText(0), *search);
    EXPECT_EQ(select->ColumnInt(1), trial);
    EXPECT_EQ(select->ColumnText(2), hyperparameters);
    EXPECT_EQ(select->ColumnText(3), metrics);
    EXPECT_EQ(select->ColumnDouble(4), seconds);
  }
  EXPECT_FALSE(*select->Step());
}

TEST(CatalogStore, UpsertReplacesTitlesAndKeepsOtherSongs) {
  Database db = OpenOrDie(":memory:");
  CatalogStore catalog(db);
  ASSERT_TRUE(
      catalog.Upsert({{"1", "Old", "A"}, {"2", "Two", "B"}}, CatalogStore::Tags::kKeep).ok());
  ASSERT_TRUE(
      catalog.Upsert({{"1", "New", "A"}, {"3", "Three", "C"}}, CatalogStore::Tags::kKeep).ok());
  EXPECT_EQ(*catalog.All(),
            (std::vector<Song>{{"1", "New", "A"}, {"2", "Two", "B"}, {"3", "Three", "C"}}));
}

// The search index is rebuilt in the transaction that changes songs: new and renamed songs are
// found by their new words, not by their old ones.
TEST(CatalogStore, SearchFollowsEveryUpsert) {
  Database db = OpenOrDie(":memory:");
  CatalogStore catalog(db);
  auto found = [&catalog](const std::string& query) {
    std::vector<std::string> ids;
    const Result<std::vector<Song>> songs = catalog.Search(query, 10, 0);
    EXPECT_TRUE(songs.ok()) << songs.status().message();
    for (const Song& song : *songs) ids.push_back(song.id);
    return ids;
  };
  ASSERT_TRUE(
      catalog.Upsert({{"1", "Old Song", "A"}, {"2", "Two", "B"}}, CatalogStore::Tags::kKeep).ok());
  EXPECT_EQ(found("old"), (std::vector<std::string>{"1"}));
  {
    Result<Transaction> transaction = Transaction::Begin(db);
    ASSERT_TRUE(transaction.ok());
    ASSERT_TRUE(
        catalog.Upsert({{"1", "New Song", "A"}, {"3", "Three", "C"}}, CatalogStore::Tags::kKeep)
            .ok());
    ASSERT_TRUE(transaction->Commit().ok());
  }
  EXPECT_TRUE(found("old").empty());
  EXPECT_EQ(found("new"), (std::vector<std::string>{"1"}));
  EXPECT_EQ(found("song"), (std::vector<std::string>{"1"}));
  EXPECT_EQ(found("three"), (std::vector<std::string>{"3"}));
  EXPECT_EQ(found("two"), (std::vector<std::string>{"2"}));
  // A rolled-back upsert leaves the index as it was.
  {
    Result<Transaction> transaction = Transaction::Begin(db);
    ASSERT_TRUE(catalog.Upsert({{"2", "Renamed", "B"}}, CatalogStore::Tags::kKeep).ok());
  }
  EXPECT_EQ(found("two"), (std::vector<std::string>{"2"}));
  EXPECT_TRUE(found("renamed").empty());
}

// A query matching more songs than kSearchCandidates ranks the first of them in catalog order and
// offers no more: its cost is bounded.
TEST(CatalogStore, SearchRanksAtMostItsCandidates) {
  Database db = OpenOrDie(":memory:");
  CatalogStore catalog(db);
  std::vector<Song> songs;
  const auto many = CatalogStore::kSearchCandidates + 500;
  for (int64_t i = 0; i < many; ++i) {
    // Song 1's title says "love" twice: the best bm25 score among the candidates.
    songs.push_back({std::to_string(i), i == 1 ? "Love Love" : "Love " + std::to_string(i), "A"});
  }
  ASSERT_TRUE(catalog.Upsert(songs, CatalogStore::Tags::kKeep).ok());
  Result<std::vector<Song>> best = catalog.Search("love", 3, 0);
  ASSERT_TRUE(best.ok()) << best.status().message();
  ASSERT_EQ(best->size(), 3u);
  EXPECT_EQ(best->front().id, "1");
  Result<std::vector<Song>> last = catalog.Search("love", 10, CatalogStore::kSearchCandidates - 4);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->size(), 4u);
  for (const Song& song : *last) EXPECT_LT(std::stoll(song.id), CatalogStore::kSearchCandidates);
  EXPECT_TRUE(catalog.Search("love", 10, CatalogStore::kSearchCandidates)->empty());
}

// Search ranks by SearchScore: bm25 alone puts rare songs whose titles and artists the words fill
// above the hit a person means (made-up songs of yes_complete's shape: "brightside" and "bohemian
// rhapsody"); the songs' plays put the hit first, and a song with no plays keeps its place.
TEST(CatalogStore, SearchRanksTheSongPeoplePlayFirstAmongMatchesAlike) {
  Database db = OpenOrDie(":memory:");
  CatalogStore catalog(db);
  ASSERT_TRUE(catalog
                  .Upsert({{"1", "Brightside", "Lantern Hill"},
                           {"2", "Brightside Blues", "Brightside Trio"},
                           {"3", "Mr. Brightside", "The Killers"},
                           {"4", "Rhapsody", "Bohemian Strings"},
                           {"5", "Bohemian Rhapsody", "Bohemian Rhapsody Tribute"},
                           {"6", "Bohemian Rhapsody", "Queen"},
                           {"7", "Rhapsody In Bohemia", "Bohemian Rhapsody Orchestra"}},
                          CatalogStore::Tags::kKeep)
                  .ok());
  const std::map<std::string, int64_t, std::less<>> plays = {{"1", 2}, {"2", 0}, {"3", 270},
                                                             {"4", 1}, {"5", 3}, {"6", 420}};
  auto by_plays = [&plays](std::string_view id, double relevance) {
    auto it = plays.find(id);
    return SearchScore(relevance, it == plays.end() ? 0 : it->second);
  };
  auto first = [&catalog](const std::string& query, const CatalogStore::SearchScore& score) {
    const Result<std::vector<Song>> songs = catalog.Search(query, 10, 0, score);
    EXPECT_TRUE(songs.ok()) << songs.status().message();
    return songs.ok() && !songs->empty() ? songs->front().id : "";
  };
  EXPECT_NE(first("brightside", nullptr), "3");
  EXPECT_NE(first("bohemian rhapsody", nullptr), "6");
  EXPECT_EQ(first("brightside", by_plays), "3");
  EXPECT_EQ(first("bohemian rhapsody", by_plays), "6");
  EXPECT_EQ(first("lantern", by_plays), "1");
}

TEST(CatalogStore, TagsAreReplacedOnlyWhenTheSongsComeWithTags) {
  Database db = OpenOrDie(":memory:");
  CatalogStore catalog(db);
  using Tags = CatalogStore::Tags;
  ASSERT_TRUE(
      catalog
          .Upsert({{"1", "One", "A", {"rock", "80s"}}, {"2", "Two", "B", {"pop"}}}, Tags::kReplace)
          .ok());
  EXPECT_EQ(*catalog.All(),
            (std::vector<Song>{{"1", "One", "A", {"rock", "80s"}}, {"2", "Two", "B", {"pop"}}}));
  // A catalog without a tag file (import --songs, train without --tags) keeps the stored tags.
  ASSERT_TRUE(catalog.Upsert({{"1", "One!", "A"}}, Tags::kKeep).ok());
  EXPECT_EQ(catalog.All()->front(), (Song{"1", "One!", "A", {"rock", "80s"}}));
  // A new tag file replaces them, song by song: "2" lost its tags, "1" has new ones.
  ASSERT_TRUE(
      catalog.Upsert({{"1", "One", "A", {"metal"}}, {"2", "Two", "B"}}, Tags::kReplace).ok());
  EXPECT_EQ(*catalog.All(), (std::vector<Song>{{"1", "One", "A", {"metal"}}, {"2", "Two", "B"}}));
}

}  // namespace
}  // namespace songvec
