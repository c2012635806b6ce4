#include "util/flags.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace songvec
