#include "core/hnsw_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <numeric>

#include "core/random.h"
#include "core/recommender.h"

namespace songvec {
namespace {

// Rows in 80 tight groups of a shared offset, as trained vectors are, with norms that vary.
Matrix GroupedRows(int rows, int dim, uint64_t seed) {
  Random rng(seed);
  const int groups = 80;
  Matrix centers(groups, dim);
  for (Eigen::Index i = 0; i < centers.size(); ++i) centers.data()[i] = rng.UniformFloat() * 2 - 1;
  Matrix vectors(rows, dim);
  for (int r = 0; r < rows; ++r) {
    const float length = 0.5f + rng.UniformFloat();
    const int group = static_cast<int>(rng.Uniform(groups));
    for (int c = 0; c < dim; ++c) {
      vectors(r, c) =
          length * (0.3f + 0.3f * centers(group, c) + (rng.UniformFloat() - 0.5f) * 0.2f);
    }
  }
  return vectors;
}

std::vector<int32_t> Rows(int count) {
  std::vector<int32_t> rows(static_cast<size_t>(count));
  std::iota(rows.begin(), rows.end(), 0);
  return rows;
}

class HnswIndexTest : public ::testing::Test {
 protected:
  HnswIndexTest()
      : flat_(std::make_shared<const FlatIndex>(GroupedRows(5000, 24, 3), Similarity::kCosine)),
        graph_(flat_, HnswIndex::Options()) {}
  std::shared_ptr<const FlatIndex> flat_;
  HnswIndex graph_;
};

// The graph finds the exact neighbours of nearly every song, and scores what it finds exactly as
// the FlatIndex does, best first, never an excluded row.
TEST_F(HnswIndexTest, FindsTheExactNeighboursScoredAsTheFlatIndexDoes) {
  const std::vector<int32_t> queries = {0, 17, 256, 1024, 4095, 4999};
  EXPECT_GE(graph_.Recall(10, Rows(500)), 0.97);
  for (int32_t source : queries) {
    const std::span<const float> row = flat_->row(source);
    auto excluded = [source](int32_t r) { return r == source || r % 5 == 0; };
    const std::vector<Neighbor> found = graph_.Search(row, 10, excluded);
    ASSERT_EQ(found.size(), 10u);
    const FlatIndex::Query prepared = flat_->Prepare(row);
    for (size_t i = 0; i < found.size(); ++i) {
      EXPECT_FALSE(excluded(found[i].row));
      EXPECT_EQ(found[i].score, flat_->Score(prepared, found[i].row));
      if (i > 0) {
        EXPECT_TRUE(RanksBefore(found[i - 1], found[i]));
      }
    }
  }
}

// Asked for more rows than the graph gives out, or past everything the filter lets through, it
// answers as the FlatIndex does.
TEST_F(HnswIndexTest, LargeAsksAndStrictFiltersAreAnsweredExactly) {
  const std::span<const float> row = flat_->row(42);
  const std::vector<Neighbor> expected =
      flat_->Search(row, HnswIndex::kMaxGraphResults + 1, nullptr);
  const std::vector<Neighbor> found = graph_.Search(row, HnswIndex::kMaxGraphResults + 1, nullptr);
  ASSERT_EQ(found.size(), expected.size());
  for (size_t i = 0; i < found.size(); ++i) {
    EXPECT_EQ(found[i].row, expected[i].row);
    EXPECT_EQ(found[i].score, expected[i].score);
  }
  // One row in 1000 passes: the graph is asked for more and more, then the FlatIndex answers.
  auto rare = [](int32_t r) { return r % 1000 != 7; };
  const std::vector<Neighbor> few = graph_.Search(row, 3, rare);
  ASSERT_EQ(few.size(), 3u);
  const std::vector<Neighbor> exact = flat_->Search(row, 3, rare);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(few[i].row, exact[i].row);
}

// A stored graph loads into the same index; bytes that are no graph, or a graph of other rows, are
// refused.
TEST_F(HnswIndexTest, SerializedGraphsLoadBackAndBadOnesAreRefused) {
  Result<std::string> bytes = graph_.Serialize();
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  Result<std::unique_ptr<HnswIndex>> loaded =
      HnswIndex::Load(flat_, std::as_bytes(std::span(*bytes)));
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  for (int32_t source : {3, 333, 3333}) {
    const std::span<const float> row = flat_->row(source);
    const std::vector<Neighbor> a = graph_.Search(row, 10, nullptr);
    const std::vector<Neighbor> b = (*loaded)->Search(row, 10, nullptr);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].row, b[i].row);
  }
  const std::string junk = "not a graph at all";
  Result<std::unique_ptr<HnswIndex>> bad = HnswIndex::Load(flat_, std::as_bytes(std::span(junk)));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kCorruption);
  std::string cut = *bytes;
  cut.resize(cut.size() / 2);
  EXPECT_FALSE(HnswIndex::Load(flat_, std::as_bytes(std::span(cut))).ok());
  // Load() of `graph` over `rows` is refused with a message that says `why`.
  auto expect_refused = [](std::shared_ptr<const FlatIndex> rows, const std::string& graph,
                           const std::string& why) {
    Result<std::unique_ptr<HnswIndex>> refused =
        HnswIndex::Load(std::move(rows), std::as_bytes(std::span(graph)));
    ASSERT_FALSE(refused.ok()) << why;
    EXPECT_NE(refused.status().message().find(why), std::string::npos)
        << refused.status().message();
  };
  // A link to a row that does not exist (the first of row 0's, after the 96-byte header and
  // its count), and the graph of other rows as many.
  std::string broken = *bytes;
  std::memset(broken.data() + 100, 0xff, 4);
  expect_refused(flat_, broken, "row 0 has a wrong label or link");
  expect_refused(std::make_shared<const FlatIndex>(GroupedRows(5000, 24, 4), Similarity::kCosine),
                 *bytes, "is not the model's");
  expect_refused(std::make_shared<const FlatIndex>(GroupedRows(300, 24, 4), Similarity::kCosine),
                 *bytes, "holds 5000 rows, the model 300");
}

// The Recommender searches a stored graph for similar (auto), keeps next exact, and a graph that
// will not load is left out with a warning: similar is then exact.
TEST(Recommender, SearchesAStoredGraphOrExactlyWhenItIsDamaged) {
  const Matrix input = GroupedRows(3000, 16, 5), output = GroupedRows(3000, 16, 6);
  std::vector<std::string> keys;
  std::vector<int64_t> counts;
  for (int r = 0; r < 3000; ++r) {
    keys.push_back(std::to_string(r));
    counts.push_back(3000 - r);
  }
  const Embeddings embeddings{Vocabulary(keys, counts), input, output};
  StoredSearch search;
  search.similar_graph = *HnswIndex(SimilarRows(input), HnswIndex::Options()).Serialize();
  const Recommender graph(embeddings, {.popularity_weight = 0.5f}, nullptr, IndexPolicy::kAuto,
                          search);
  EXPECT_STREQ(graph.index(Scoring::kSimilar).name(), "hnsw");
  EXPECT_STREQ(graph.index(Scoring::kNext).name(), "flat");  // 3,000 rows: below kPrunedMinRows
  EXPECT_TRUE(graph.search_warning().empty());
  const Recommender exact(embeddings, {.popularity_weight = 0.5f}, nullptr, IndexPolicy::kPruned,
                          search);
  EXPECT_STREQ(exact.index(Scoring::kSimilar).name(), "pruned");
  const int32_t seed[] = {12};
  auto no_seed = [](int32_t r) { return r == 12; };
  EXPECT_EQ(graph.Recommend(Scoring::kSimilar, seed, {}, 5, no_seed).front().row,
            exact.Recommend(Scoring::kSimilar, seed, {}, 5, no_seed).front().row);
  search.similar_graph.resize(100);
  const Recommender damaged(embeddings, {.popularity_weight = 0.5f}, nullptr, IndexPolicy::kAuto,
                            search);
  EXPECT_STREQ(damaged.index(Scoring::kSimilar).name(), "flat");
  EXPECT_NE(damaged.search_warning().find("similar searched exactly"), std::string::npos)
      << damaged.search_warning();
  // --index hnsw on a model that stored no graph builds one at load.
  const Recommender built(embeddings, {.popularity_weight = 0.5f}, nullptr, IndexPolicy::kHnsw, {});
  EXPECT_STREQ(built.index(Scoring::kSimilar).name(), "hnsw");
}

// From its threshold of songs up (kGraphMinSongs; 400 here), a model stores a graph for similar,
// with its measured recall, instead of a layout; below, or where the graph's recall falls short
// (kGraphMinRecall; out of reach here), a layout.
TEST(Recommender, PreparesAGraphForLargeCatalogsOnly) {
  const Matrix rows = GroupedRows(500, 8, 7);
  std::vector<std::string> keys;
  std::vector<int64_t> counts;
  for (int r = 0; r < 500; ++r) {
    keys.push_back(std::to_string(r));
    counts.push_back(500 - r);
  }
  const Embeddings embeddings{Vocabulary(keys, counts), rows, rows};
  GraphRecall recall;
  const StoredSearch small = Recommender::PrepareSearch(embeddings, 2, &recall, 501);
  EXPECT_TRUE(small.similar_graph.empty());
  EXPECT_FALSE(small.similar.empty());
  EXPECT_FALSE(small.next.empty());
  EXPECT_EQ(recall.queries, 0u);
  const StoredSearch large = Recommender::PrepareSearch(embeddings, 2, &recall, 400);
  EXPECT_FALSE(large.similar_graph.empty());
  EXPECT_TRUE(large.similar.empty());
  EXPECT_FALSE(large.next.empty());
  EXPECT_EQ(recall.queries, 1000u);
  EXPECT_GE(recall.by_plays, kGraphMinRecall);
  EXPECT_GE(recall.uniform, 0.9);
  EXPECT_TRUE(recall.kept);
  const Recommender recommender(embeddings, NextScoring{}, nullptr, IndexPolicy::kAuto, large);
  EXPECT_STREQ(recommender.index(Scoring::kSimilar).name(), "hnsw") << recommender.search_warning();
  // A graph short of the recall asked for is stored beside the exact layout: kAuto searches
  // exactly, kHnsw the stored graph.
  const StoredSearch short_of_recall =
      Recommender::PrepareSearch(embeddings, 2, &recall, 400, /*graph_min_recall=*/1.01);
  EXPECT_FALSE(short_of_recall.similar_graph.empty());
  EXPECT_FALSE(short_of_recall.similar.empty());
  EXPECT_EQ(recall.queries, 1000u);
  EXPECT_FALSE(recall.kept);
  const Recommender exact(embeddings, NextScoring{}, nullptr, IndexPolicy::kAuto, short_of_recall);
  EXPECT_STREQ(exact.index(Scoring::kSimilar).name(), "flat");  // 500 rows: below kPrunedMinRows
  const Recommender graph(embeddings, NextScoring{}, nullptr, IndexPolicy::kHnsw, short_of_recall);
  EXPECT_STREQ(graph.index(Scoring::kSimilar).name(), "hnsw");
  EXPECT_TRUE(graph.search_warning().empty()) << graph.search_warning();
}

}  // namespace
}  // namespace songvec
