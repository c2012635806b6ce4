#include "server/metrics.h"

#include <algorithm>
#include <cstdio>

namespace songvec {
namespace {

std::string Number(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.9g", value);
  return text;
}

}  // namespace

void Metrics::ObserveRequest(std::string_view route, int status, double seconds) {
  const size_t bucket =
      std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds) - kBuckets.begin();
  std::lock_guard<std::mutex> lock(mu_);
  auto request = requests_.find(std::pair(route, status));
  if (request == requests_.end()) request = requests_.emplace(std::pair(route, status), 0).first;
  ++request->second;
  auto found = latency_.find(route);
  if (found == latency_.end()) found = latency_.emplace(route, Latency{}).first;
  Latency& latency = found->second;
  ++latency.counts[bucket];
  latency.sum += seconds;
  ++latency.count;
}

void Metrics::CountReload(bool ok) { ++(ok ? reloads_ : reload_failures_); }

std::string Metrics::Render(int64_t model_version, size_t songs) const {
  std::string text;
  text +=
      "# HELP songvec_requests_total HTTP requests answered, by route and status.\n"
      "# TYPE songvec_requests_total counter\n";
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [key, count] : requests_) {
    text += "songvec_requests_total{route=\"" + key.first + "\",status=\"" +
            std::to_string(key.second) + "\"} " + std::to_string(count) + "\n";
  }
  text +=
      "# HELP songvec_request_duration_seconds Time from routing a request to logging its "
      "response.\n"
      "# TYPE songvec_request_duration_seconds histogram\n";
  for (const auto& [route, latency] : latency_) {
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= kBuckets.size(); ++b) {
      cumulative += latency.counts[b];
      const std::string le = b < kBuckets.size() ? Number(kBuckets[b]) : "+Inf";
      text += "songvec_request_duration_seconds_bucket{route=\"" + route + "\",le=\"" + le +
              "\"} " + std::to_string(cumulative) + "\n";
    }
    text += "songvec_request_duration_seconds_sum{route=\"" + route + "\"} " + Number(latency.sum) +
            "\n";
    text += "songvec_request_duration_seconds_count{route=\"" + route + "\"} " +
            std::to_string(latency.count) + "\n";
  }
  text +=
      "# HELP songvec_model_version Version of the model being served (-1: none yet).\n"
      "# TYPE songvec_model_version gauge\n"
      "songvec_model_version " +
      std::to_string(model_version) + "\n" +
      "# HELP songvec_model_songs Songs the model being served knows.\n"
      "# TYPE songvec_model_songs gauge\n"
      "songvec_model_songs " +
      std::to_string(songs) + "\n" +
      "# HELP songvec_model_reloads_total Models swapped in after an activation.\n"
      "# TYPE songvec_model_reloads_total counter\n"
      "songvec_model_reloads_total " +
      std::to_string(reloads_.load()) + "\n" +
      "# HELP songvec_model_reload_failures_total Activated models that failed to load (the "
      "previous one kept serving).\n"
      "# TYPE songvec_model_reload_failures_total counter\n"
      "songvec_model_reload_failures_total " +
      std::to_string(reload_failures_.load()) + "\n";
  return text;
}

}  // namespace songvec
