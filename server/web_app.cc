#include "server/web_app.h"

#include "server/middleware.h"

namespace songvec {

// server/web/*, embedded at build time (server/CMakeLists.txt).
extern const char kWeb_index_html[];
extern const char kWeb_style_css[];
extern const char kWeb_api_js[];
extern const char kWeb_app_js[];

void InstallWebApp(Transport& server) {
  struct File {
    const char* path;
    const char* text;
    const char* type;
  };
  static const File files[] = {
      {"/", kWeb_index_html, "text/html; charset=utf-8"},
      {"/web/style.css", kWeb_style_css, "text/css; charset=utf-8"},
      {"/web/api.js", kWeb_api_js, "text/javascript; charset=utf-8"},
      {"/web/app.js", kWeb_app_js, "text/javascript; charset=utf-8"},
  };
  for (const File& file : files) {
    server.Get(file.path, [&file](const httplib::Request&, httplib::Response& res) {
      SetRouteLabel(file.path);
      res.set_header("X-Content-Type-Options", "nosniff");
      res.set_header(
          "Content-Security-Policy",
          "default-src 'none'; script-src 'self'; style-src 'self'; "
          "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
          "frame-ancestors 'none'");
      res.set_header("Referrer-Policy", "no-referrer");
      res.set_header("Cache-Control", "no-cache");
      res.set_content(file.text, file.type);
    });
  }
}

}  // namespace songvec
