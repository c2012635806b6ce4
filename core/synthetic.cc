#include "core/synthetic.h"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "core/random.h"

namespace songvec {
namespace {

struct GenreWords {
  const char* name;
  std::vector<const char*> artist_first;
  std::vector<const char*> artist_second;
  std::vector<const char*> title_first;
  std::vector<const char*> title_second;
};

const std::vector<GenreWords>& Genres() {
  static const std::vector<GenreWords> genres = {
      {"Metal",
       {"Iron", "Black", "Steel", "Grave", "Doom", "Thunder"},
       {"Serpent", "Legion", "Hammer", "Throne", "Reaper", "Vortex"},
       {"Blood", "Fire", "Dark", "Crimson", "Burning", "Eternal", "Savage", "Molten"},
       {"Oath", "Storm", "Crown", "Abyss", "Inferno", "Warpath", "Requiem", "Skulls"}},
      {"Hip-Hop",
       {"Lil", "Big", "Young", "MC", "DJ", "Killa"},
       {"Cash", "Verse", "Nova", "Flow", "Blaze", "Hustla"},
       {"Money", "Block", "Hustle", "Street", "Hood", "Gold", "Flex", "Trap"},
       {"Dreams", "Rules", "Life", "Anthem", "Talk", "Chains", "Paper", "Bars"}},
      {"Country",
       {"Hank", "Dolly", "Wade", "Travis", "Loretta", "Cody"},
       {"Dalton", "McCall", "Rivers", "Hayes", "Colter", "Presley"},
       {"Dirt", "Whiskey", "Pickup", "Tennessee", "Backroad", "Honky-Tonk", "Cowboy", "Prairie"},
       {"Road", "Heart", "Sunday", "Rodeo", "Porch", "Truck", "Moon", "Boots"}},
      {"Jazz",
       {"Miles", "Ella", "Dizzy", "Nina", "Thelonious", "Chet"},
       {"Quartet", "Trio", "Ensemble", "Holiday", "Bluebird", "Sextet"},
       {"Blue", "Smoky", "Velvet", "Midnight", "Autumn", "Cool", "Mellow", "Lazy"},
       {"Swing", "Bop", "Serenade", "Nocturne", "Ballad", "Lounge", "Waltz", "Standard"}},
      {"Electronic",
       {"Neon", "Digital", "Cyber", "Pulse", "Laser", "Synth"},
       {"Circuit", "Echo", "Vector", "Wave", "Grid", "Drone"},
       {"Bass", "Acid", "Techno", "Hyper", "Electric", "Binary", "Strobe", "Future"},
       {"Drop", "Loop", "Rave", "Signal", "Frequency", "Voltage", "Club", "Glitch"}},
      {"Reggae",
       {"Rasta", "Roots", "Island", "Dub", "Jah", "Irie"},
       {"Lions", "Riddim", "Sound", "Prophets", "Vibes", "Warriors"},
       {"Kingston", "Zion", "Sunshine", "Natty", "Rebel", "Skank", "Babylon", "Ital"},
       {"Dread", "Groove", "Uprising", "Skanking", "Version", "Revolution", "Love", "Steppers"}},
      {"Classical",
       {"Vienna", "Berlin", "Royal", "Prague", "Chamber", "Baroque"},
       {"Philharmonic", "Symphony", "Orchestra", "Strings", "Consort", "Soloists"},
       {"Sonata", "Concerto", "Suite", "Fugue", "Prelude", "Partita", "Etude", "Overture"},
       {"in C Minor", "in D Major", "No. 1", "No. 5", "in G", "in E-flat", "Op. 27", "in A Minor"}},
      {"Indie Rock",
       {"The", "Arctic", "Paper", "Velvet", "Glass", "Vampire"},
       {"Strokes", "Foxes", "Kites", "Lanterns", "Weekends", "Animals"},
       {"Cardigan", "Vinyl", "Suburban", "Polaroid", "Bicycle", "Basement", "Coffee", "Sunday"},
       {"Summer", "Girls", "Youth", "Tapes", "Afternoon", "Nostalgia", "Bedroom", "Kids"}},
  };
  return genres;
}

// Picks from the cumulative weights `cumulative` (ascending, last = total).
size_t PickWeighted(const std::vector<double>& cumulative, Random& rng) {
  const double x = rng.UniformDouble() * cumulative.back();
  return static_cast<size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), x) -
                             cumulative.begin());
}

}  // namespace

SyntheticData GenerateSynthetic(const SyntheticOptions& options) {
  assert(options.genres >= 1 && options.genres <= static_cast<int>(Genres().size()));
  assert(options.min_length >= 2 && options.max_length >= options.min_length);
  Random rng(options.seed);
  SyntheticData data;
  const int songs_per_genre = options.artists_per_genre * options.songs_per_artist;

  // The catalog, genre by genre; each genre's songs get Zipf-like weights 1/(rank+1) in a shuffled
  // order so that popularity is spread across its artists.
  std::vector<std::vector<int>> songs_of_genre(options.genres);
  std::vector<std::vector<double>> cumulative_of_genre(options.genres);
  std::vector<int> artist_of_song;
  for (int g = 0; g < options.genres; ++g) {
    const GenreWords& words = Genres()[g];
    data.genre_names.push_back(words.name);
    for (int a = 0; a < options.artists_per_genre; ++a) {
      // The words give 36 names a genre; beyond, a number tells the artists apart ("Iron Serpent
      // 2"), so that a large catalog still has one name per artist.
      const size_t n1 = words.artist_first.size(), n2 = words.artist_second.size();
      const auto combinations = static_cast<int>(n1 * n2);
      std::string artist =
          std::string(words.artist_first[a % n1]) + " " + words.artist_second[(a / n1 + a) % n2];
      if (a >= combinations) artist.append(" ").append(std::to_string(a / combinations + 1));
      for (int s = 0; s < options.songs_per_artist; ++s) {
        const auto id = static_cast<int>(data.catalog.size());
        const std::string title =
            std::string(
                words.title_first[rng.Uniform(static_cast<uint32_t>(words.title_first.size()))]) +
            " " + words.title_second[rng.Uniform(static_cast<uint32_t>(words.title_second.size()))];
        data.catalog.push_back({std::to_string(id), title, artist});
        data.genre_of_song.push_back(g);
        artist_of_song.push_back(g * options.artists_per_genre + a);
        songs_of_genre[g].push_back(id);
      }
    }
    std::vector<int>& songs = songs_of_genre[g];
    for (size_t i = songs.size(); i > 1; --i) {
      std::swap(songs[i - 1], songs[rng.Uniform(static_cast<uint32_t>(i))]);
    }
    double total = 0;
    for (int rank = 0; rank < songs_per_genre; ++rank) {
      total += 1.0 / (rank + 1);
      cumulative_of_genre[g].push_back(total);
    }
  }
  data.train.keys.reserve(data.catalog.size());
  for (const Song& song : data.catalog) data.train.keys.push_back(song.id);
  data.test.keys = data.train.keys;

  std::vector<int32_t> playlist;
  for (int p = 0; p < options.playlists; ++p) {
    const int first = static_cast<int>(rng.Uniform(static_cast<uint32_t>(options.genres)));
    int second = first;
    if (rng.UniformDouble() < options.second_genre) {
      second = static_cast<int>(rng.Uniform(static_cast<uint32_t>(options.genres)));
    }
    const int length = options.min_length + static_cast<int>(rng.Uniform(static_cast<uint32_t>(
                                                options.max_length - options.min_length + 1)));
    playlist.clear();
    while (static_cast<int>(playlist.size()) < length) {
      int song;
      if (!playlist.empty() && rng.UniformDouble() < options.same_artist) {
        // Another song by the previous song's artist.
        const int artist = artist_of_song[playlist.back()];
        song = artist * options.songs_per_artist +
               static_cast<int>(rng.Uniform(static_cast<uint32_t>(options.songs_per_artist)));
      } else {
        int genre = rng.UniformDouble() < 0.5 ? first : second;
        if (rng.UniformDouble() >= options.genre_loyalty) {
          genre = static_cast<int>(rng.Uniform(static_cast<uint32_t>(options.genres)));
        }
        song = songs_of_genre[genre][PickWeighted(cumulative_of_genre[genre], rng)];
      }
      if (!playlist.empty() && playlist.back() == song) continue;
      playlist.push_back(song);
    }
    (p % 10 == 9 ? data.test : data.train).AddPlaylist(playlist);
  }
  return data;
}

}  // namespace songvec
