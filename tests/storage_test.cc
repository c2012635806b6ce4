#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/random.h"
#include "storage/catalog_store.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "storage/model_store.h"

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

TEST(ModelStore, StoredBytesCountVectorsAndCountsAsTheBlobsHoldThem) {
  Database db = OpenOrDie(":memory:");
  ModelInfo info;
  info.algorithm = "imported";
  info.hyperparameters = info.trained_on = "{}";
  info.songvec_version = "test";
  Embeddings input_only = RandomEmbeddings(10, 4, 1);
  input_only.output = Matrix();
  // Row 0 stood next to rows 1 and 2; row 2 next to row 0.
  const Cooccurrence counts({0, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3}, {{1, 5}, {2, 1}, {0, 1}});
  ModelStore models(db);
  Result<int64_t> imported = models.Insert(info, input_only, nullptr);
  Result<int64_t> blend = models.Insert(info, RandomEmbeddings(10, 4, 2), &counts);
  ASSERT_TRUE(imported.ok() && blend.ok());
  EXPECT_EQ(models.Get(*imported)->stored_bytes, 10 * 4 * 4);
  EXPECT_EQ(models.Get(*blend)->stored_bytes, 2 * 10 * 4 * 4 + 3 * 8);
  for (int64_t version : {*imported, *blend}) {
    Statement sum =
        std::move(db.Prepare("SELECT (SELECT sum(length(input) + length(output)) FROM "
                             "model_vectors WHERE model_version = ?1) + (SELECT "
                             "coalesce(sum(length(neighbors)), 0) FROM model_cooccurrence "
                             "WHERE model_version = ?1)"))
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
  EXPECT_EQ(models.SetMetrics(77, "{}").code(), Status::Code::kNotFound);
  ASSERT_TRUE(models.SetMetrics(first, R"({"hr":1})").ok());
  EXPECT_EQ(models.Get(first)->metrics, R"({"hr":1})");
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
  // The disk "fills up" on the fourth vector of the next model.
  ASSERT_TRUE(db.Execute("CREATE TRIGGER full BEFORE INSERT ON model_vectors WHEN NEW.row = 3 "
                         "BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END")
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
  EXPECT_EQ(CountRows(db, "model_vectors"), 20);
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
  EXPECT_EQ(CountRows(db, "model_vectors"), 50);
  ExpectSameEmbeddings(before, *models.LoadEmbeddings(active));
}

TEST(ModelStore, ACorruptVectorIsReportedWithItsRow) {
  Database db = OpenOrDie(":memory:");
  const int64_t version = Store(db, RandomEmbeddings(5, 8, 1));
  ASSERT_TRUE(db.Execute("UPDATE model_vectors SET input = x'00' WHERE row = 2").ok());
  Result<Embeddings> loaded = ModelStore(db).LoadEmbeddings(version);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), Status::Code::kCorruption);
  EXPECT_NE(loaded.status().message().find("model 1: row 2 has a 1-byte vector, expected 32"),
            std::string::npos)
      << loaded.status().message();
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
