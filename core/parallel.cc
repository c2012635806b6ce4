#include "core/parallel.h"

#include <atomic>
#include <cassert>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace songvec {

void RunOnThreads(int threads, const std::function<void(int)>& work,
                  const std::function<void()>& poll, double poll_seconds) {
  assert(threads >= 1);
  std::vector<std::exception_ptr> errors(static_cast<size_t>(threads));
  std::mutex mutex;
  std::condition_variable finished;
  int running = threads;
  auto run = [&](int t) {
    try {
      work(t);
    } catch (...) {
      errors[static_cast<size_t>(t)] = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(mutex);
    --running;
    finished.notify_all();
  };
  std::vector<std::thread> pool;
  // Without a poll the caller is worker 0 rather than idle.
  for (int t = poll ? 0 : 1; t < threads; ++t) pool.emplace_back(run, t);
  if (poll) {
    std::unique_lock<std::mutex> lock(mutex);
    const auto interval = std::chrono::duration<double>(poll_seconds);
    while (!finished.wait_for(lock, interval, [&] { return running == 0; })) {
      lock.unlock();
      poll();
      lock.lock();
    }
  } else {
    run(0);
  }
  for (std::thread& thread : pool) thread.join();
  for (const std::exception_ptr& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

void ParallelFor(size_t begin, size_t end, int threads, const std::function<void(size_t)>& body) {
  std::atomic<size_t> next{begin};
  RunOnThreads(threads, [&](int) {
    for (size_t i = next++; i < end; i = next++) body(i);
  });
}

}  // namespace songvec
