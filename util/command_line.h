#ifndef SONGVEC_UTIL_COMMAND_LINE_H_
#define SONGVEC_UTIL_COMMAND_LINE_H_

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace songvec {

// The command-line conventions of the binaries, on CLI11 (CLI::App): `--name value` or
// `--name=value`, a bare `--name` (or `--name=false`) for a switch, `--help` lists every option
// with its default (and its environment variable, where it has one).

// Options added after this show their default in --help.
inline void ShowDefaults(CLI::App& app) { app.option_defaults()->always_capture_default(); }

// Parses `args` (without the program or command name) into `app`. Returns the exit status to
// return right away: 0 after printing --help on stdout, 2 after printing "<program>: <CLI11's
// one-line message naming the option and the value> (see --help)" on stderr; nullopt to go on.
inline std::optional<int> ParseCommandLine(CLI::App& app, const std::string& program,
                                           std::vector<std::string> args) {
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& error) {
    std::fprintf(stderr, "%s: %s (see --help)\n", program.c_str(), error.what());
    return 2;
  }
  return std::nullopt;
}

// A check that a number is finite (CLI11 converts "inf" and "nan" to doubles).
inline const CLI::Validator kFinite(
    [](const std::string& text) -> std::string {
      double value = 0;
      if (CLI::detail::lexical_cast(text, value) && !std::isfinite(value)) {
        return "expects a finite number, got '" + text + "'";
      }
      return "";
    },
    "", "FINITE");

// A check that a number is at least `min` (CLI::Range prints doubles as 0.100000).
inline CLI::Validator AtLeast(double min) {
  std::ostringstream shown;
  shown << min;
  return CLI::Validator(
      [min, bound = shown.str()](const std::string& text) -> std::string {
        double value = 0;
        if (!CLI::detail::lexical_cast(text, value)) return "expects a number, got '" + text + "'";
        if (!(value >= min) || !std::isfinite(value)) {
          return "must be at least " + bound + ", got '" + text + "'";
        }
        return "";
      },
      "NUMBER >= " + shown.str(), "AT_LEAST");
}

}  // namespace songvec

#endif  // SONGVEC_UTIL_COMMAND_LINE_H_
