#include "util/flags.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace songvec {
namespace {

struct Parsed {
  std::string name = "x";
  int count = 3;
  double rate = 0.5;
  bool verbose = false;
};

Status ParseInto(Parsed* parsed, const std::vector<std::string>& args, FlagSet* flags) {
  flags->Add("name", &parsed->name, "a name");
  flags->Add("count", &parsed->count, "a count");
  flags->Add("rate", &parsed->rate, "a rate");
  flags->Add("verbose", &parsed->verbose, "talk");
  return flags->Parse(args);
}

TEST(Flags, ParsesBothSpellingsAndKeepsDefaults) {
  Parsed parsed;
  FlagSet flags("test");
  ASSERT_TRUE(ParseInto(&parsed, {"--name", "y", "--count=7", "--verbose"}, &flags).ok());
  EXPECT_EQ(parsed.name, "y");
  EXPECT_EQ(parsed.count, 7);
  EXPECT_EQ(parsed.rate, 0.5);
  EXPECT_TRUE(parsed.verbose);
  EXPECT_TRUE(flags.IsSet("count"));
  EXPECT_FALSE(flags.IsSet("rate"));
  EXPECT_EQ(flags.Require("rate").message(), "--rate is required (see --help)");
  EXPECT_NE(flags.Help().find("  --count              a count (default: 3)"), std::string::npos);
}

TEST(Flags, ReportsWhatIsWrong) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--count", "many"}, "--count expects an integer, got 'many'"},
      {{"--rate=nan"}, "--rate expects a number, got 'nan'"},
      {{"--verbose=maybe"}, "--verbose expects true or false, got 'maybe'"},
      {{"--colour", "red"}, "unknown option --colour (see --help)"},
      {{"--name"}, "--name needs a value"},
      {{"stray"}, "unexpected argument 'stray' (see --help)"},
  };
  for (const auto& [args, message] : cases) {
    Parsed parsed;
    FlagSet flags("test");
    EXPECT_EQ(ParseInto(&parsed, args, &flags).message(), message);
  }
}

TEST(Flags, TheEnvironmentSetsFlagsAndTheCommandLineWins) {
  ::setenv("SVTEST_PORT", "9000", 1);
  ::setenv("SVTEST_LOG_LEVEL", "debug", 1);
  ::setenv("SVTEST_ORIGIN", "https://a.example,https://b.example", 1);
  int port = 8080;
  std::string log_level = "info";
  std::vector<std::string> origins;
  FlagSet flags("test");
  flags.SetEnvironmentPrefix("SVTEST_");
  flags.Add("port", &port, "port");
  flags.Add("log-level", &log_level, "level");
  flags.Add("origin", &origins, "origin");
  ASSERT_TRUE(flags.Parse({"--port", "9100"}).ok());
  EXPECT_EQ(port, 9100);
  EXPECT_EQ(log_level, "debug");
  EXPECT_EQ(origins, (std::vector<std::string>{"https://a.example", "https://b.example"}));
  EXPECT_TRUE(flags.IsSet("log-level"));
  EXPECT_NE(flags.Help().find("(default: info) [$SVTEST_LOG_LEVEL]"), std::string::npos)
      << flags.Help();

  // Repeated on the command line, the list replaces the environment's.
  ASSERT_TRUE(flags.Parse({"--origin", "https://c.example", "--origin=https://d.example"}).ok());
  EXPECT_EQ(origins, (std::vector<std::string>{"https://c.example", "https://d.example"}));

  ::setenv("SVTEST_PORT", "lots", 1);
  EXPECT_EQ(flags.Parse({}).message(), "SVTEST_PORT expects an integer, got 'lots'");
  ::unsetenv("SVTEST_PORT");
  ::unsetenv("SVTEST_LOG_LEVEL");
  ::unsetenv("SVTEST_ORIGIN");
}

}  // namespace
}  // namespace songvec
