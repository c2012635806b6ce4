#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/catalog.h"
#include "core/corpus.h"
#include "trainer/cli.h"
#include "trainer/commands.h"

namespace songvec {

int RunSplit(const std::vector<std::string>& args) {
  SetUpLogging();
  std::string playlists_path, out_dir;
  FormatFlags format_flags;
  double validation = 0.1, test = 0.1;
  uint64_t seed = 1;
  CLI::App app("Splits playlists into train, validation and test, reproducibly.",
               "songvec-train split");
  ShowDefaults(app);
  app.add_option("--playlists", playlists_path, "playlists to split")->required();
  app.add_option("--out", out_dir, "folder for train.txt, validation.txt and test.txt")->required();
  format_flags.AddTo(app,
                     "the playlists' format; yes and plain parts are written the same way, mpd and "
                     "csv ones as plain playlists with the catalog they describe in songs.tsv");
  app.add_option("--validation", validation, "share of playlists for validation.txt")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--test", test, "share of playlists for test.txt")->check(CLI::Range(0.0, 1.0));
  app.add_option("--seed", seed, "the same seed splits the same file the same way")
      ->check(AtLeast(0));
  if (auto exit = ParseOptions(app, args)) return *exit;
  if (!(validation >= 0 && test >= 0 && validation + test < 1)) {
    return Fail(Status::InvalidArgument("--validation and --test must be >= 0 and sum below 1"));
  }
  Result<CorpusFormat> format = format_flags.Parse();
  if (!format.ok()) return Fail(format.status());
  std::vector<Song> songs;
  Result<Corpus> corpus = ReadCorpus(playlists_path, *format, nullptr, &songs);
  if (!corpus.ok()) return Fail(corpus.status());
  // Files that name their songs are split into the plain format, their names into a catalog.
  const bool described = DescribesSongs(format->data);
  const DataFormat parts_format = described ? DataFormat::kPlain : format->data;

  const CorpusSplit split = SplitCorpus(*corpus, validation, test, seed);
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) return Fail(Status::IoError("cannot create " + out_dir + ": " + error.message()));
  const std::pair<const char*, const Corpus*> parts[] = {{"train.txt", &split.train},
                                                         {"validation.txt", &split.validation},
                                                         {"test.txt", &split.test}};
  for (const auto& [name, part] : parts) {
    const std::string path = (std::filesystem::path(out_dir) / name).string();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    Status written =
        out ? WriteCorpus(out, *part, parts_format) : Status::IoError("cannot write " + path);
    if (!written.ok()) return Fail(written.WithContext(path));
    std::printf("%s: %zu playlists, %zu songs\n", path.c_str(), part->num_playlists(),
                part->tokens.size());
  }
  if (described) {
    const std::string path = (std::filesystem::path(out_dir) / "songs.tsv").string();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    Status written = out ? WriteCatalog(out, songs) : Status::IoError("cannot write " + path);
    if (!written.ok()) return Fail(written.WithContext(path));
    std::printf("%s: %zu songs; the parts are plain playlists: train --format plain --songs %s\n",
                path.c_str(), songs.size(), path.c_str());
  }
  return 0;
}

}  // namespace songvec
