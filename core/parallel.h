#ifndef SONGVEC_CORE_PARALLEL_H_
#define SONGVEC_CORE_PARALLEL_H_

#include <cstddef>
#include <functional>

namespace songvec {

// The one way songvec's computations run on several threads.

// Runs `work(t)` for every t in [0, threads) at once, each on a thread of its own, and returns when
// all have returned. Without `poll`, the calling thread runs work(0) itself; with it, the calling
// thread calls `poll()` every `poll_seconds` while the workers run (progress reports). An exception
// escaping a worker is kept (std::exception_ptr) and the first, by t, is rethrown once every
// thread has joined. `threads` must be at least 1.
void RunOnThreads(int threads, const std::function<void(int)>& work,
                  const std::function<void()>& poll = nullptr, double poll_seconds = 1.0);

// Calls `body(i)` for every i in [begin, end) on `threads` threads (the caller's among them), each
// taking the next i from a shared counter, so uneven items balance. `body` must be safe to call
// concurrently for different i. Exceptions as RunOnThreads.
void ParallelFor(size_t begin, size_t end, int threads, const std::function<void(size_t)>& body);

}  // namespace songvec

#endif  // SONGVEC_CORE_PARALLEL_H_
