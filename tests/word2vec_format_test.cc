#include "core/word2vec_format.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/random.h"

namespace songvec {
namespace {

Result<KeyedVectors> Parse(const std::string& text) {
  std::istringstream in(text);
  return ReadWord2VecText(in, "model.vec");
}

TEST(Word2VecFormat, RoundTripIsBitExact) {
  Random rng(11);
  Matrix vectors(50, 7);
  for (Eigen::Index i = 0; i < vectors.size(); ++i) {
    vectors.data()[i] = (rng.UniformFloat() - 0.5f) * (i % 3 == 0 ? 1e-7f : 3.0f);
  }
  vectors(0, 0) = 0.0f;
  vectors(0, 1) = -0.0f;
  std::vector<std::string> keys;
  for (int i = 0; i < 50; ++i) keys.push_back("spotify:track:" + std::to_string(i));
  std::stringstream text;
  ASSERT_TRUE(WriteWord2VecText(text, keys, vectors).ok());
  Result<KeyedVectors> back = ReadWord2VecText(text, "written");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->keys, keys);
  ASSERT_EQ(back->vectors.rows(), 50);
  ASSERT_EQ(back->vectors.cols(), 7);
  EXPECT_EQ(std::memcmp(back->vectors.data(), vectors.data(), sizeof(float) * 350), 0);
}

TEST(Word2VecFormat, ReadsFastTextStyleTrailingSpaces) {
  Result<KeyedVectors> vectors = Parse("2 2\na 0.5 -1 \nb 1e-3 2\n");
  ASSERT_TRUE(vectors.ok()) << vectors.status().message();
  EXPECT_FLOAT_EQ(vectors->vectors(0, 1), -1.0f);
  EXPECT_FLOAT_EQ(vectors->vectors(1, 0), 0.001f);
}

TEST(Word2VecFormat, RejectsMalformedFilesNamingTheLine) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "model.vec:0: empty file; expected a '<rows> <dim>' header"},
      {"two 3\n", "model.vec:1: expected a '<rows> <dim>' header with dim 1..4096, found 'two 3'"},
      {"2 3\na 1 2 3\nb 1 2\n", "model.vec:3: expected a key and 3 values, found 2 values"},
      {"2 2\na 1 2\nb 1 nan\n", "model.vec:3: value 2 of key 'b' is not a finite number: 'nan'"},
      {"2 2\na 1 2\nb inf 1\n", "model.vec:3: value 1 of key 'b' is not a finite number: 'inf'"},
      {"2 2\na 1 2\nb 1 2x\n", "model.vec:3: value 2 of key 'b' is not a finite number: '2x'"},
      {"2 2\na 1 2\na 3 4\n", "model.vec:3: key 'a' already appeared on line 2"},
      {"3 2\na 1 2\nb 3 4\n", "model.vec: the header declares 3 rows but the file has 2"},
      {"1 2\na 1 2\nb 3 4\n", "model.vec:3: more rows than the 1 the header declares"},
  };
  for (const auto& [text, message] : cases) {
    Result<KeyedVectors> vectors = Parse(text);
    ASSERT_FALSE(vectors.ok()) << text;
    EXPECT_EQ(vectors.status().message(), message);
  }
}

// Holds this process's address space to what it maps now plus `extra` bytes while it lives, so that
// an allocation the code should never make fails (on a machine that overcommits, a 16 GiB
// allocation nobody touches succeeds).
class AddressSpaceCap {
 public:
  explicit AddressSpaceCap(size_t extra) {
    getrlimit(RLIMIT_AS, &saved_);
    std::ifstream statm("/proc/self/statm");
    size_t pages = 0;
    statm >> pages;
    rlimit cap = saved_;
    cap.rlim_cur = pages * static_cast<size_t>(sysconf(_SC_PAGESIZE)) + extra;
    setrlimit(RLIMIT_AS, &cap);
  }
  ~AddressSpaceCap() { setrlimit(RLIMIT_AS, &saved_); }

 private:
  rlimit saved_;
};

// Regression: both readers sized their matrix from the header, up to 2^20 rows of 4096 floats
// (16 GiB) for 13 bytes of header; where that was refused, the std::bad_alloc aborted the command.
TEST(Word2VecFormat, AHugeHeaderDoesNotAllocateUpFront) {
  const AddressSpaceCap cap(size_t{1} << 30);
  Result<KeyedVectors> text = Parse("4000000000 4096\na 1\n");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().message(), "model.vec:2: expected a key and 4096 values, found 1 values");
  text = Parse("1000000 4096\n");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().message(),
            "model.vec: the header declares 1000000 rows but the file has 0");
  std::istringstream in("1000000 4096\n");
  Result<KeyedVectors> binary = ReadWord2VecBinary(in, "model.bin");
  ASSERT_FALSE(binary.ok());
  EXPECT_EQ(binary.status().message(),
            "model.bin: byte 13: the file ends after 0 of the 1000000 rows the header declares");
}

}  // namespace
}  // namespace songvec

namespace songvec {
namespace {

TEST(Word2VecBinary, RoundTripIsBitExact) {
  Random rng(5);
  Matrix vectors(20, 9);
  for (Eigen::Index i = 0; i < vectors.size(); ++i) vectors.data()[i] = rng.UniformFloat() - 0.5f;
  std::vector<std::string> keys;
  for (int i = 0; i < 20; ++i) keys.push_back("s" + std::to_string(i));
  std::stringstream bytes;
  ASSERT_TRUE(WriteWord2VecBinary(bytes, keys, vectors).ok());
  Result<KeyedVectors> back = ReadWord2VecBinary(bytes, "model.bin");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->keys, keys);
  EXPECT_EQ(std::memcmp(back->vectors.data(), vectors.data(), sizeof(float) * 180), 0);
}

std::string BinaryRow(const std::string& key, std::vector<float> values) {
  return key + " " + std::string(reinterpret_cast<const char*>(values.data()), values.size() * 4);
}

TEST(Word2VecBinary, ReadsRowsWithoutNewlinesAsGensimWritesThem) {
  std::istringstream in("2 2\n" + BinaryRow("a", {1, 2}) + BinaryRow("b", {3, 4}));
  Result<KeyedVectors> vectors = ReadWord2VecBinary(in, "gensim.bin");
  ASSERT_TRUE(vectors.ok()) << vectors.status().message();
  EXPECT_EQ(vectors->keys, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(vectors->vectors(1, 1), 4.0f);
}

TEST(Word2VecBinary, RejectsTruncatedAndCorruptFilesNamingTheByte) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::string full = "2 2\n" + BinaryRow("a", {1, 2}) + "\n" + BinaryRow("b", {3, 4}) + "\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {full.substr(0, full.size() - 4),
       "model.bin: byte 17: the file ends inside the vector of key 'b'"},
      {"3 2\n" + BinaryRow("a", {1, 2}) + "\n",
       "model.bin: byte 15: the file ends after 1 of the 3 rows the header declares"},
      {"1 2\n" + BinaryRow("a", {1, nan}), "model.bin: byte 10: value 2 of key 'a' is not finite"},
      {"2 2\n" + BinaryRow("a", {1, 2}) + "\n" + BinaryRow("a", {3, 4}),
       "model.bin: byte 15: key 'a' already appeared at byte 4"},
      {"x y\n",
       "model.bin: byte 0: expected a '<rows> <dim>' header with dim 1..4096, found 'x y'"},
  };
  for (const auto& [bytes, message] : cases) {
    std::istringstream in(bytes);
    Result<KeyedVectors> vectors = ReadWord2VecBinary(in, "model.bin");
    ASSERT_FALSE(vectors.ok());
    EXPECT_EQ(vectors.status().message(), message);
  }
}

}  // namespace
}  // namespace songvec
