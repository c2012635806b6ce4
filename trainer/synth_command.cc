#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/synthetic.h"
#include "trainer/cli.h"
#include "trainer/commands.h"

namespace songvec {
namespace {

Status WriteFile(const std::filesystem::path& path,
                 const std::function<Status(std::ostream&)>& write) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IoError("cannot write " + path.string() + ": " + std::strerror(errno));
  Status status = write(out);
  out.close();
  if (!status.ok() || !out) return Status::IoError("writing " + path.string() + " failed");
  return Status();
}

}  // namespace

int RunSynth(const std::vector<std::string>& args) {
  SetUpLogging();
  SyntheticOptions options;
  std::string out_dir;
  int64_t songs =
      static_cast<int64_t>(options.genres) * options.artists_per_genre * options.songs_per_artist;
  int playlists = options.playlists;
  CLI::App app("Writes the built-in demo dataset (genres, artists, playlists).",
               "songvec-train synth");
  ShowDefaults(app);
  app.add_option("--out", out_dir,
                 "folder for train.txt, test.txt (yes.com format) and song_hash.txt")
      ->required();
  app.add_option(
         "--songs", songs,
         "songs in the catalog, rounded up to a whole number of artists in every genre (64 songs)")
      ->check(CLI::Range(int64_t{64}, int64_t{20000000}));
  app.add_option("--playlists", playlists, "playlists to generate (every tenth goes to test.txt)")
      ->check(CLI::Range(10, 10000000));
  app.add_option("--min-length", options.min_length, "shortest playlist")
      ->check(CLI::Range(2, 10000));
  app.add_option("--max-length", options.max_length, "longest playlist (at least --min-length)")
      ->check(CLI::Range(2, 10000));
  app.add_option("--seed", options.seed, "random seed; the same seed writes the same files")
      ->check(AtLeast(0));
  if (auto exit = ParseOptions(app, args)) return *exit;
  if (options.max_length < options.min_length) {
    return Fail(Status::InvalidArgument("--max-length must be at least --min-length"));
  }
  const int64_t per_artist_row = static_cast<int64_t>(options.genres) * options.songs_per_artist;
  options.artists_per_genre = static_cast<int>((songs + per_artist_row - 1) / per_artist_row);
  options.playlists = playlists;
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) return Fail(Status::IoError("cannot create " + out_dir + ": " + error.message()));

  const SyntheticData data = GenerateSynthetic(options);
  const std::filesystem::path dir(out_dir);
  Status status = WriteFile(dir / "train.txt", [&](std::ostream& out) {
    return WriteCorpus(out, data.train, DataFormat::kYes);
  });
  if (status.ok()) {
    status = WriteFile(dir / "test.txt", [&](std::ostream& out) {
      return WriteCorpus(out, data.test, DataFormat::kYes);
    });
  }
  if (status.ok()) {
    status = WriteFile(dir / "song_hash.txt", [&](std::ostream& out) {
      for (const Song& song : data.catalog) {
        out << song.id << '\t' << song.title << '\t' << song.artist << '\n';
      }
      return out ? Status() : Status::IoError("write failed");
    });
  }
  if (!status.ok()) return Fail(status);
  std::printf(
      "wrote %zu songs by %zu artists in %zu genres, %zu training and %zu test playlists "
      "to %s\n",
      data.catalog.size(), data.catalog.size() / options.songs_per_artist, data.genre_names.size(),
      data.train.num_playlists(), data.test.num_playlists(), out_dir.c_str());
  return 0;
}

}  // namespace songvec
