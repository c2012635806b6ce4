#ifndef SONGVEC_UTIL_FLAGS_H_
#define SONGVEC_UTIL_FLAGS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"

namespace songvec {

// Command-line flags for both binaries: `--name value` or `--name=value`, a bare `--name` for a
// boolean. Each flag writes into a variable whose value before parsing is the default shown by
// Help(). With an environment prefix, SONGVEC_NAME (upper case, '-' as '_') sets --name too; the
// command line wins. Not thread-safe.
class FlagSet {
 public:
  // `usage` opens the help text ("songvec-train train [options]").
  explicit FlagSet(std::string usage) : usage_(std::move(usage)) {}

  void Add(const std::string& name, std::string* value, const std::string& help);
  void Add(const std::string& name, int* value, const std::string& help);
  void Add(const std::string& name, int64_t* value, const std::string& help);
  void Add(const std::string& name, uint64_t* value, const std::string& help);
  void Add(const std::string& name, double* value, const std::string& help);
  void Add(const std::string& name, bool* value, const std::string& help);
  // Repeatable: every occurrence appends (from the environment: a comma-separated list).
  void Add(const std::string& name, std::vector<std::string>* values, const std::string& help);

  // Lets Parse() read each flag from the environment variable `prefix` + NAME as well.
  void SetEnvironmentPrefix(std::string prefix) { env_prefix_ = std::move(prefix); }

  // Parses the environment (if it has a prefix), then args (without the program or command name).
  // `--help` sets help_requested() and stops. InvalidArgument naming the flag (or variable) for an
  // unknown flag, a missing or malformed value, or a positional argument.
  Status Parse(const std::vector<std::string>& args);

  bool help_requested() const { return help_requested_; }
  // Whether `name` appeared on the command line or in the environment.
  bool IsSet(const std::string& name) const;
  // InvalidArgument "--name is required" unless IsSet(name).
  Status Require(const std::string& name) const;
  // Usage, then one line per flag with its help and default.
  std::string Help() const;

 private:
  struct Flag {
    std::string name;
    std::string help;
    std::string default_value;
    bool is_bool = false;
    bool set = false;
    std::function<bool(const std::string&)> assign;  // false if the text is not a valid value
    std::string expected;                            // "an integer", ...
    std::function<void()> clear;  // repeatable flags: empties the list (the default or env values)
    std::string source;           // repeatable flags: what set it last, "" (default), "env", "args"
  };
  void AddFlag(std::string name, std::string help, std::string default_value, bool is_bool,
               std::function<bool(const std::string&)> assign, std::string expected,
               std::function<void()> clear = nullptr);
  std::string EnvironmentName(const std::string& name) const;

  std::string usage_;
  std::string env_prefix_;
  std::vector<Flag> flags_;
  bool help_requested_ = false;
};

}  // namespace songvec

#endif  // SONGVEC_UTIL_FLAGS_H_
