#ifndef SONGVEC_SERVER_WEB_APP_H_
#define SONGVEC_SERVER_WEB_APP_H_

#include "server/transport.h"

namespace songvec {

// The web app (server/web/, embedded at build time): GET / serves its page and /web/{file} its
// stylesheet and ES modules. It reads only the public API, from the same origin. Every file goes
// with its type, nosniff, a Content-Security-Policy that allows this origin's scripts, styles
// and API alone (no inline script, no framing), no referrer and no caching without a check.
void InstallWebApp(Transport& server);

}  // namespace songvec

#endif  // SONGVEC_SERVER_WEB_APP_H_
