// songvec-train: learns song vectors from playlists and keeps them as versioned models in SQLite.
#include <cstdio>
#include <new>
#include <string>
#include <vector>

#include "core/isa.h"
#include "trainer/commands.h"
#include "util/command_line.h"

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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app(std::string("songvec ") + SONGVEC_VERSION +
                   ": learns song vectors from playlists and keeps them as versioned models in "
                   "SQLite.",
               "songvec-train");
  app.footer("'songvec-train <command> --help' describes a command's options.");
  bool version = false;
  app.add_flag("--version", version, "print the version and exit");
  // Each command parses its own options (trainer/commands.h): here they are passed on as they are.
  std::vector<std::pair<CLI::App*, const Command*>> subcommands;
  for (const Command& command : kCommands) {
    CLI::App* sub = app.add_subcommand(command.name, command.summary);
    sub->prefix_command();
    sub->set_help_flag();  // --help goes to the command
    subcommands.emplace_back(sub, &command);
  }
  if (argc < 2) {
    std::fputs(app.help().c_str(), stderr);
    return 2;
  }
  const std::vector<std::string> all_args(argv + 1, argv + argc);
  if (auto exit = songvec::ParseCommandLine(app, "songvec-train", all_args)) return *exit;
  if (version) {
    std::printf("songvec %s\n", SONGVEC_VERSION);
    return 0;
  }
  if (app.get_subcommands().empty()) {
    std::fprintf(stderr, "songvec-train: a command is required (see --help)\n");
    return 2;
  }
  if (const songvec::Status& isa = songvec::ConfiguredIsa().status(); !isa.ok()) {
    std::fprintf(stderr, "songvec-train: %s\n", isa.message().c_str());
    return 2;
  }
  for (const auto& [sub, command] : subcommands) {
    if (!sub->parsed()) continue;
    // Data or options too large for the memory this process may have end in a message, not in
    // std::terminate's abort.
    try {
      return command->run(sub->remaining());
    } catch (const std::bad_alloc&) {
      std::fprintf(stderr,
                   "songvec-train: error: out of memory: %s needs more memory than this process "
                   "may have (see ulimit -v)\n",
                   command->name);
      return 1;
    }
  }
  return 2;
}
