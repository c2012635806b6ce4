#include "core/scoring_choice.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/random.h"
#include "core/sequential_rules.h"

namespace songvec {
namespace {

// Playlists over `songs` songs, each made by `make(rng, &playlist)`, with a model of tiny random
// vectors (the count term decides) and counts from the playlists.
struct Playlists {
  Corpus train, validation;
  Embeddings embeddings;
};

template <typename Make>
Playlists MakePlaylists(int songs, Make make) {
  Playlists p;
  std::vector<std::string> keys;
  for (int s = 0; s < songs; ++s) keys.push_back(std::to_string(s));
  p.train.keys = p.validation.keys = keys;
  Random rng(3);
  std::vector<int64_t> counts(static_cast<size_t>(songs), 0);
  for (int i = 0; i < 600; ++i) {
    std::vector<int32_t> playlist;
    make(rng, &playlist);
    if (i % 6 == 5) {
      p.validation.AddPlaylist(playlist);
      continue;
    }
    for (int32_t song : playlist) ++counts[static_cast<size_t>(song)];
    p.train.AddPlaylist(playlist);
  }
  p.embeddings = {Vocabulary(keys, counts), Matrix(songs, 4), Matrix(songs, 4)};
  for (Matrix* m : {&p.embeddings.input, &p.embeddings.output}) {
    for (Eigen::Index i = 0; i < m->size(); ++i) m->data()[i] = 0.01f * rng.UniformFloat();
  }
  return p;
}

NextScoring Choose(const Playlists& p, const ContinuationChoices& given,
                   std::vector<ContinuationTrial>* trials) {
  const auto rules = std::make_shared<const SequentialRules>(p.train, p.embeddings.vocabulary);
  const NextSongPairs pairs = CollectPairs(p.validation, p.embeddings.vocabulary, kDefaultContext);
  const Recommender model(p.embeddings, {.rules_weight = 1000.0f}, rules);
  return ChooseContinuation(model, given, pairs, 2, trials);
}

// Every third song is one of 50 in a fixed cycle, the two between drawn from 500 others: what
// comes after two of those is told by the song three back. Counted per play, the rules of the
// rare songs between (20 plays each, followed by anything) weigh as much as those of the cycle's
// songs (100 plays each, always followed by the same song three later) and drown them; raw sums
// let the better counted songs speak.
void SongThreeBackTellsTheNext(Random& rng, std::vector<int32_t>* playlist) {
  int32_t signal = static_cast<int32_t>(rng.Uniform(50));
  for (int i = 0; i < 30; ++i) {
    if (i % 3 == 0) {
      playlist->push_back(signal);
      signal = (signal + 1) % 50;
    } else {
      playlist->push_back(50 + static_cast<int32_t>(rng.Uniform(500)));
    }
  }
}

TEST(ChooseContinuation, CountsRawSumsWhereRareSongsWouldDrownTheOthers) {
  const Playlists p = MakePlaylists(550, SongThreeBackTellsTheNext);
  std::vector<ContinuationTrial> trials;
  const NextScoring chosen = Choose(p, {}, &trials);
  EXPECT_FALSE(chosen.rules_per_play);
  EXPECT_EQ(chosen.rules_weight, 1000.0f);  // the base's
  // The first trial is where the search starts; the chosen setting scores best of all.
  ASSERT_GE(trials.size(), 5u);
  const NextScoring start = ContinuationStart({.rules_weight = 1000.0f}, {});
  EXPECT_TRUE(trials.front().scoring.rules_per_play);
  EXPECT_EQ(trials.front().scoring.context_decay, start.context_decay);
  double best = 0;
  for (const ContinuationTrial& trial : trials) best = std::max(best, trial.hit_rate);
  EXPECT_GT(best, trials.front().hit_rate + 0.1);
  // Choices given are kept, and never tried otherwise.
  trials.clear();
  ContinuationChoices given;
  given.rules_per_play = true;
  given.repeats = false;
  const NextScoring kept = Choose(p, given, &trials);
  EXPECT_TRUE(kept.rules_per_play);
  EXPECT_FALSE(kept.repeats);
  for (const ContinuationTrial& trial : trials) {
    EXPECT_TRUE(trial.scoring.rules_per_play);
    EXPECT_FALSE(trial.scoring.repeats);
  }
}

// Each playlist loops over three songs of its own: the next song is always one of the playlist
// so far, which only a model that lets them come back can name.
void ThreeSongsOverAndOver(Random& rng, std::vector<int32_t>* playlist) {
  const int32_t motif[] = {static_cast<int32_t>(rng.Uniform(30)),
                           static_cast<int32_t>(30 + rng.Uniform(30)),
                           static_cast<int32_t>(60 + rng.Uniform(30))};
  for (int i = 0; i < 24; ++i) playlist->push_back(motif[i % 3]);
}

TEST(ChooseContinuation, LetsSongsComeBackWherePlaylistsRepeatThem) {
  const Playlists p = MakePlaylists(90, ThreeSongsOverAndOver);
  std::vector<ContinuationTrial> trials;
  const NextScoring chosen = Choose(p, {}, &trials);
  EXPECT_TRUE(chosen.repeats);
  EXPECT_FALSE(trials.front().scoring.repeats);
  EXPECT_LT(trials.front().hit_rate, 0.2);  // only the first two pairs of each playlist
}

// 30 stations, each playing 10 of 100 songs in random order (a song is on about three stations):
// after a few songs, the training playlists holding most of them are the station's, which name
// its songs better than the rules of each song, which mix the other stations it is on.
void StationsSharingSongs(Random& rng, std::vector<int32_t>* playlist) {
  static const std::vector<std::vector<int32_t>> stations = [] {
    Random draw(11);
    std::vector<std::vector<int32_t>> all(30);
    for (std::vector<int32_t>& station : all) {
      for (int i = 0; i < 10; ++i) station.push_back(static_cast<int32_t>(draw.Uniform(100)));
    }
    return all;
  }();
  const std::vector<int32_t>& station = stations[rng.Uniform(30)];
  for (int i = 0; i < 16; ++i) playlist->push_back(station[rng.Uniform(10)]);
}

TEST(ChooseContinuation, AddsTheNearestPlaylistsWhereTheyNameTheStation) {
  const Playlists p = MakePlaylists(100, StationsSharingSongs);
  std::vector<ContinuationTrial> trials;
  const NextScoring chosen = Choose(p, {}, &trials);
  EXPECT_GT(chosen.neighbors, 0);
  EXPECT_GT(chosen.neighbors_weight, 0.0f);
  double without = 0, with = 0;
  for (const ContinuationTrial& trial : trials) {
    (trial.scoring.neighbors > 0 ? with : without) =
        std::max(trial.scoring.neighbors > 0 ? with : without, trial.hit_rate);
  }
  EXPECT_GT(with, without + 0.02);
  // Given, they are kept and never tried otherwise.
  ContinuationChoices given;
  given.neighbors = 0;
  given.neighbors_weight = 0;
  trials.clear();
  const NextScoring kept = Choose(p, given, &trials);
  EXPECT_EQ(kept.neighbors, 0);
  for (const ContinuationTrial& trial : trials) EXPECT_EQ(trial.scoring.neighbors, 0);
}

}  // namespace
}  // namespace songvec
