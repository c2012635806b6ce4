// songvec-train: learns song vectors from playlists and keeps them as versioned models in SQLite.
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "core/isa.h"
#include "trainer/commands.h"

namespace {

struct Command {
  const char* name;
  int (*run)(const std::vector<std::string>& args);
  const char* summary;
};

constexpr Command kCommands[] = {
    {"train", songvec::RunTrain,
     "learn song vectors from playlists; store them as the active model"},
    {"eval", songvec::RunEval, "score a model (or a .vec file) on next-song prediction"},
    {"tune", songvec::RunTune, "search hyperparameters on a validation split; write the best"},
    {"split", songvec::RunSplit, "split playlists into train, validation and test, reproducibly"},
    {"export", songvec::RunExport, "write a model's vectors in word2vec text or binary format"},
    {"import", songvec::RunImport, "store vectors trained elsewhere as a model version"},
    {"synth", songvec::RunSynth, "write the built-in demo dataset (genres, artists, playlists)"},
    {"models", songvec::RunModels, "list, show, activate (roll back), delete and prune versions"},
    {"migrate", songvec::RunMigrate, "bring a database's schema up to date"},
};

void PrintUsage(FILE* out) {
  std::fprintf(out, "usage: songvec-train <command> [options]   (songvec %s)\n\ncommands:\n",
               SONGVEC_VERSION);
  for (const Command& command : kCommands) {
    std::fprintf(out, "  %-9s %s\n", command.name, command.summary);
  }
  std::fprintf(out, "\n'songvec-train <command> --help' describes a command's options.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    PrintUsage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    std::printf("songvec %s\n", SONGVEC_VERSION);
    return 0;
  }
  if (const songvec::Status& isa = songvec::ConfiguredIsa().status(); !isa.ok()) {
    std::fprintf(stderr, "songvec-train: %s\n", isa.message().c_str());
    return 2;
  }
  const std::vector<std::string> args(argv + 2, argv + argc);
  for (const Command& command : kCommands) {
    if (command.name != std::string(argv[1])) continue;
    // Data or options too large for the memory this process may have end in a message, not in
    // std::terminate's abort.
    try {
      return command.run(args);
    } catch (const std::bad_alloc&) {
      std::fprintf(stderr,
                   "songvec-train: error: out of memory: %s needs more memory than this process "
                   "may have (see ulimit -v)\n",
                   argv[1]);
      return 1;
    }
  }
  std::fprintf(stderr, "songvec-train: unknown command '%s'\n\n", argv[1]);
  PrintUsage(stderr);
  return 2;
}
