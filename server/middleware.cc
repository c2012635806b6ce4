#include "server/middleware.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <unordered_set>

#include "server/json_render.h"

namespace songvec {

namespace {

// What the access log and the metrics need to know of the request a worker is handling.
struct RequestState {
  std::chrono::steady_clock::time_point start;
  const char* route = "other";
  std::string id;
};
thread_local RequestState current_request;

// X-Request-Id: the client's if it is a sane token, else 16 random hex digits.
std::string RequestId(const httplib::Request& req) {
  std::string id = req.get_header_value("X-Request-Id");
  const bool sane =
      !id.empty() && id.size() <= 128 &&
      std::all_of(id.begin(), id.end(), [](unsigned char c) { return c > ' ' && c < 0x7f; });
  if (sane) return id;
  thread_local std::mt19937_64 rng(std::random_device{}());
  std::string text(16, '0');
  uint64_t bits = rng();
  for (char& c : text) {
    c = "0123456789abcdef"[bits >> 60];
    bits <<= 4;
  }
  return text;
}

// Code and message for errors cpp-httplib raised before any handler ran (the transport refuses
// oversized and ill-framed requests itself, before cpp-httplib sees them).
std::pair<std::string, std::string> DescribeStatus(int status, const httplib::Request& req) {
  switch (status) {
    case 400:
      return {"bad_request", "malformed HTTP request"};
    case 404:
      return {"not_found", "no route for " + req.method + " " + req.path};
    case 413:  // a form body over cpp-httplib's 8 KiB
      return {"payload_too_large", "the request body is too large"};
    default:
      return {status >= 500 ? "internal" : "error", "HTTP status " + std::to_string(status)};
  }
}

}  // namespace

void SetRouteLabel(const char* route) { current_request.route = route; }

void InstallMiddleware(Transport& server, const std::vector<std::string>& cors_origins,
                       bool access_log, Metrics& metrics) {
  const std::unordered_set<std::string> origins(cors_origins.begin(), cors_origins.end());
  server.set_pre_routing_handler([origins](const httplib::Request& req, httplib::Response& res) {
    current_request = {std::chrono::steady_clock::now(), "other", RequestId(req)};
    res.set_header("X-Request-Id", current_request.id);
    const std::string origin = req.get_header_value("Origin");
    const bool allowed = !origin.empty() && (origins.count(origin) > 0 || origins.count("*") > 0);
    if (allowed) {
      res.set_header("Access-Control-Allow-Origin", origin);
      res.set_header("Access-Control-Expose-Headers", "X-Request-Id");
      res.set_header("Vary", "Origin");
    }
    // A CORS preflight: answered here for every route; without an allowed origin it carries no
    // Access-Control-Allow-* headers, so the browser refuses the real request.
    if (req.method == "OPTIONS" && req.has_header("Access-Control-Request-Method")) {
      current_request.route = "preflight";
      if (allowed) {
        res.set_header("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS");
        res.set_header("Access-Control-Allow-Headers", "Content-Type, X-Request-Id");
        res.set_header("Access-Control-Max-Age", "600");
      }
      res.status = 204;
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Errors that no handler answered (unknown route, malformed request, oversized body) get the
  // JSON error shape too.
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    const auto [code, message] = DescribeStatus(res.status, req);
    SendError(res, res.status, code, message);
  });
  server.set_exception_handler([](const httplib::Request& req, httplib::Response& res,
                                  std::exception_ptr error) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    spdlog::error("{} {} [{}]: handler failed: {}", req.method, req.path, current_request.id, what);
    SendError(res, 500, "internal", "internal error; the server logged the details");
  });
  server.set_logger(
      [&metrics, access_log](const httplib::Request& req, const httplib::Response& res) {
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - current_request.start)
                .count();
        metrics.ObserveRequest(current_request.route, res.status, seconds);
        if (access_log) {
          spdlog::info("{} {} {} {} {:.3f}ms id={}", req.remote_addr, req.method, req.target,
                       res.status, seconds * 1e3, current_request.id);
        }
      });
}

}  // namespace songvec
