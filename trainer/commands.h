#ifndef SONGVEC_TRAINER_COMMANDS_H_
#define SONGVEC_TRAINER_COMMANDS_H_

#include <string>
#include <vector>

namespace songvec {

// The songvec-train commands. Each takes the arguments after the command's name, prints its results
// on stdout and its progress and errors on stderr, and returns the process exit status: 0 done,
// 1 failed, 2 bad usage.
int RunTrain(const std::vector<std::string>& args);
int RunEval(const std::vector<std::string>& args);
int RunExport(const std::vector<std::string>& args);
int RunImport(const std::vector<std::string>& args);
int RunSynth(const std::vector<std::string>& args);
int RunMigrate(const std::vector<std::string>& args);
int RunModels(const std::vector<std::string>& args);
int RunSplit(const std::vector<std::string>& args);
int RunTune(const std::vector<std::string>& args);

}  // namespace songvec

#endif  // SONGVEC_TRAINER_COMMANDS_H_
