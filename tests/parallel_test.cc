#include "core/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

namespace songvec {
namespace {

TEST(Parallel, ForCallsEveryIndexOfItsRangeOnce) {
  for (int threads : {1, 3}) {
    std::vector<std::atomic<int>> calls(20);
    ParallelFor(5, 20, threads, [&](size_t i) { ++calls[i]; });
    for (size_t i = 0; i < calls.size(); ++i) EXPECT_EQ(calls[i], i < 5 ? 0 : 1) << i;
  }
  ParallelFor(3, 3, 2, [](size_t) { FAIL() << "an empty range calls nothing"; });
}

TEST(Parallel, AWorkersExceptionIsRethrownAfterEveryThreadJoined) {
  std::atomic<int> finished{0};
  EXPECT_THROW(RunOnThreads(4,
                            [&](int t) {
                              if (t == 2) throw std::runtime_error("worker 2");
                              ++finished;
                            }),
               std::runtime_error);
  EXPECT_EQ(finished, 3);
}

TEST(Parallel, ThePollRunsOnTheCallerWhileTheWorkersDo) {
  std::atomic<bool> release{false};
  int polls = 0;
  RunOnThreads(
      2,
      [&](int) {
        while (!release) std::this_thread::yield();
      },
      [&] {
        if (++polls == 3) release = true;
      },
      0.001);
  // The workers could not return before the third poll released them; the caller may poll once
  // more while they see it.
  EXPECT_GE(polls, 3);
}

}  // namespace
}  // namespace songvec
