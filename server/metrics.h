#ifndef SONGVEC_SERVER_METRICS_H_
#define SONGVEC_SERVER_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace songvec {

// The server's counters, rendered in Prometheus' text format (GET /metrics): requests by route
// and status, a latency histogram per route, model reloads and their failures. Thread-safe.
class Metrics {
 public:
  // Upper bounds of the latency histogram's buckets, in seconds (+Inf is implied).
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1,    2.5};

  // `route` is the route's pattern ("/v1/songs/{id}/similar"), or "other" for unknown paths.
  void ObserveRequest(std::string_view route, int status, double seconds);
  void CountReload(bool ok);

  // Everything, with the gauges of the model being served (`model_version` < 0: none).
  std::string Render(int64_t model_version, size_t songs) const;

 private:
  struct Latency {
    std::array<uint64_t, kBuckets.size() + 1> counts{};  // the last one is +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  // Orders (route, status) keys whatever their string type, so that a lookup allocates nothing.
  struct RouteStatusLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      const std::string_view x = a.first, y = b.first;
      return x < y || (x == y && a.second < b.second);
    }
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t, RouteStatusLess> requests_;
  std::map<std::string, Latency, std::less<>> latency_;
  std::atomic<uint64_t> reloads_{0};
  std::atomic<uint64_t> reload_failures_{0};
};

}  // namespace songvec

#endif  // SONGVEC_SERVER_METRICS_H_
