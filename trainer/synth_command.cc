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
  FlagSet flags("songvec-train synth --out DIR [options]");
  flags.Add("out", &out_dir, "folder for train.txt, test.txt (yes.com format) and song_hash.txt");
  flags.Add(
      "songs", &songs,
      "songs in the catalog, rounded up to a whole number of artists in every genre (64 songs)");
  flags.Add("playlists", &playlists, "playlists to generate (every tenth goes to test.txt)");
  flags.Add("min-length", &options.min_length, "shortest playlist");
  flags.Add("max-length", &options.max_length, "longest playlist");
  flags.Add("seed", &options.seed, "random seed; the same seed writes the same files");
  if (auto exit = ParseFlags(flags, args, {"out"})) return *exit;
  if (songs < 64 || songs > 20000000) {
    return Fail(Status::InvalidArgument("--songs must be between 64 and 20000000"));
  }
  if (playlists < 10 || playlists > 10000000) {
    return Fail(Status::InvalidArgument("--playlists must be between 10 and 10000000"));
  }
  if (options.min_length < 2 || options.max_length < options.min_length ||
      options.max_length > 10000) {
    return Fail(Status::InvalidArgument(
        "--min-length must be at least 2 and --max-length between it and 10000"));
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
