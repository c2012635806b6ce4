#ifndef SONGVEC_SERVER_MIDDLEWARE_H_
#define SONGVEC_SERVER_MIDDLEWARE_H_

#include <string>
#include <vector>

#include "server/metrics.h"
#include "server/transport.h"

namespace songvec {

// What every request goes through besides its route's handler: an X-Request-Id on every answer
// (the client's if it is a sane token, else 16 random hex digits); CORS for `cors_origins` ("*":
// any), preflights answered here; the JSON error shape for errors no handler answered; a 500 for
// a handler that throws (logged, the server goes on); and once answered, the request counted in
// `metrics` under its route label and, with `access_log`, logged. `metrics` must outlive `server`.
void InstallMiddleware(Transport& server, const std::vector<std::string>& cors_origins,
                       bool access_log, Metrics& metrics);

// Labels the request this thread is handling with its route (OpenAPI's path, "/v1/songs/{id}"),
// for the metrics and the log; unlabelled requests are "other". `route` must be a literal.
void SetRouteLabel(const char* route);

}  // namespace songvec

#endif  // SONGVEC_SERVER_MIDDLEWARE_H_
