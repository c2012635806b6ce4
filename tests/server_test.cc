#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "server/song_service.h"

namespace songvec {
namespace {

using nlohmann::json;

// Two clusters of three songs each; "b3" is missing from the catalog and "c" has no vector.
std::shared_ptr<const ModelSnapshot> TestModel() {
  Matrix input(6, 3);
  input << 1, 0.1f, 0,  // a1
      0.9f, 0.2f, 0,    // a2
      1, 0, 0.3f,       // a3
      0, 1, 0.1f,       // b1
      0.1f, 0.9f, 0,    // b2
      0.02f, 1, 0.1f;   // spotify:track:b3
  Embeddings embeddings{
      Vocabulary({"a1", "a2", "a3", "b1", "b2", "spotify:track:b3"}, {6, 5, 4, 3, 2, 1}), input,
      Matrix::Zero(6, 3)};
  ModelInfo info;
  info.version = 7;
  info.dim = 3;
  const std::vector<Song> catalog = {{"a1", "Fade To Black", "Metallica", {"metal", "80s"}},
                                     {"a2", "The Trooper", "Iron Maiden", {"metal"}},
                                     {"a3", "Tom Sawyer", "Rush", {"rock", "80s"}},
                                     {"b1", "California Love", "2Pac", {"hip-hop"}},
                                     {"b2", "Hate It Or Love It", "The Game", {"hip-hop"}},
                                     {"c", "Catalog Only", "Nobody"}};
  return std::make_shared<const ModelSnapshot>(StoredModel{info, embeddings, std::nullopt},
                                               catalog);
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerConfig config;
    config.access_log = false;
    service_.Install(server_, config);
    // A route that throws, to check that the service's exception handler keeps the server up.
    server_.Get("/throw", [](const httplib::Request&, httplib::Response&) {
      throw std::runtime_error("boom");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  void TearDown() override {
    server_.stop();
    thread_.join();
  }

  // GET `path`; the body parsed as JSON (which every answer must be).
  json Get(const std::string& path, int expected_status) {
    httplib::Client client("127.0.0.1", port_);
    auto response = client.Get(path.c_str());
    EXPECT_TRUE(response) << path;
    if (!response) return nullptr;
    EXPECT_EQ(response->status, expected_status) << path << ": " << response->body;
    EXPECT_EQ(response->get_header_value("Content-Type"), "application/json") << path;
    return json::parse(response->body);
  }

  // Asserts the error shape and returns the message.
  std::string ErrorMessage(const json& body, const std::string& code) {
    EXPECT_EQ(body["error"]["code"], code) << body.dump();
    return body["error"]["message"].get<std::string>();
  }

  SongService service_{TestModel()};
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

TEST_F(ServerTest, SimilarAnswersTheNearestSongsBestFirstWithoutTheQuery) {
  json body = Get("/v1/songs/a1/similar?k=2", 200);
  EXPECT_EQ(body["song"], (json{{"id", "a1"},
                                {"title", "Fade To Black"},
                                {"artist", "Metallica"},
                                {"tags", {"metal", "80s"}}}));
  EXPECT_EQ(body["model_version"], 7);
  ASSERT_EQ(body["results"].size(), 2u);
  // cos(a1, a2) = 0.993 > cos(a1, a3) = 0.953.
  EXPECT_EQ(body["results"][0]["id"], "a2");
  EXPECT_EQ(body["results"][0]["title"], "The Trooper");
  EXPECT_EQ(body["results"][0]["artist"], "Iron Maiden");
  EXPECT_EQ(body["results"][1]["id"], "a3");
  EXPECT_GE(body["results"][0]["score"].get<double>(), body["results"][1]["score"].get<double>());
  EXPECT_LE(body["results"][0]["score"].get<double>(), 1.0);
}

TEST_F(ServerTest, SimilarDefaultsToTenAndStopsAtTheSongsThereAre) {
  json body = Get("/v1/songs/b1/similar", 200);
  EXPECT_EQ(body["k"], 10);
  ASSERT_EQ(body["results"].size(), 5u);
  EXPECT_EQ(body["results"][0]["id"], "spotify:track:b3");
  EXPECT_EQ(body["results"][0]["title"], "");  // not in the catalog: trained, shown untitled
  for (const json& result : body["results"]) EXPECT_NE(result["id"], "b1");
}

TEST_F(ServerTest, SongsAreLookedUpInModelAndCatalog) {
  EXPECT_EQ(Get("/v1/songs/a2", 200), (json{{"id", "a2"},
                                            {"title", "The Trooper"},
                                            {"artist", "Iron Maiden"},
                                            {"tags", {"metal"}},
                                            {"in_model", true}}));
  EXPECT_EQ(Get("/v1/songs/c", 200)["in_model"], false);
  EXPECT_EQ(Get("/v1/songs/spotify%3Atrack%3Ab3", 200)["id"], "spotify:track:b3");
  EXPECT_EQ(Get("/v1/songs/spotify:track:b3/similar?k=1", 200)["results"][0]["id"], "b1");
}

TEST_F(ServerTest, ATagFiltersTheNeighbours) {
  json body = Get("/v1/songs/a1/similar?k=5&tag=80s", 200);
  ASSERT_EQ(body["results"].size(), 1u);  // a1 itself is excluded; a3 is the other 80s song
  EXPECT_EQ(body["results"][0]["id"], "a3");
  EXPECT_EQ(Get("/v1/songs/a1/similar?tag=jazz", 200)["results"].size(), 0u);
  EXPECT_EQ(ErrorMessage(Get("/v1/songs/a1/similar?tag=", 400), "bad_request"),
            "tag must be 1 to 100 characters");
}

TEST_F(ServerTest, NextScoresInputAgainstOutputVectors) {
  // Output vectors are zero in this model, so next ranks by the popularity term alone (weight 0
  // here): every score ties at 0 and the lower row, the more frequent song, comes first.
  json body = Get("/v1/songs/b1/next?k=2", 200);
  EXPECT_EQ(body["scoring"], "next");
  ASSERT_EQ(body["results"].size(), 2u);
  EXPECT_EQ(body["results"][0]["id"], "a1");
  EXPECT_EQ(body["results"][1]["id"], "a2");
  EXPECT_EQ(body["results"][0]["score"], 0.0);
}

TEST_F(ServerTest, UnknownSongsAreNotFound) {
  EXPECT_EQ(ErrorMessage(Get("/v1/songs/zz", 404), "not_found"), "unknown song 'zz'");
  EXPECT_EQ(ErrorMessage(Get("/v1/songs/zz/similar", 404), "not_found"), "unknown song 'zz'");
  EXPECT_NE(ErrorMessage(Get("/v1/songs/c/similar", 404), "not_found").find("has no vector"),
            std::string::npos);
}

TEST_F(ServerTest, BadParametersAreBadRequests) {
  for (const char* k : {"0", "1001", "-3", "ten", "5x", ""}) {
    EXPECT_EQ(ErrorMessage(Get(std::string("/v1/songs/a1/similar?k=") + k, 400), "bad_request"),
              std::string("k must be an integer from 1 to 1000, got '") + k + "'");
  }
  EXPECT_EQ(Get("/v1/songs/a1/similar?k=1000", 200)["results"].size(), 5u);
  EXPECT_EQ(ErrorMessage(Get("/v1/songs/" + std::string(600, 'x'), 400), "bad_request"),
            "song id must be 1 to 512 printable characters");
  EXPECT_EQ(ErrorMessage(Get("/v1/songs/a%201", 400), "bad_request"),
            "song id must be 1 to 512 printable characters");
}

TEST_F(ServerTest, UnknownRoutesAndWrongMethodsGetJsonErrors) {
  EXPECT_EQ(ErrorMessage(Get("/v2/nothing", 404), "not_found"), "no route for GET /v2/nothing");
  httplib::Client client("127.0.0.1", port_);
  auto response = client.Delete("/v1/songs/a1");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 405);
  EXPECT_EQ(response->get_header_value("Allow"), "GET, HEAD");
  EXPECT_EQ(ErrorMessage(json::parse(response->body), "method_not_allowed"),
            "DELETE is not allowed on /v1/songs/a1");
  response = client.Post("/v1/songs/a1/similar", "{}", "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 405);
}

TEST_F(ServerTest, AnOversizedRequestLineIsRefusedInJson) {
  EXPECT_EQ(
      ErrorMessage(Get("/v1/songs/a1/similar?pad=" + std::string(10000, 'x'), 414), "uri_too_long"),
      "the request URI is too long");
}

TEST_F(ServerTest, AThrowingHandlerIsA500AndTheServerGoesOn) {
  EXPECT_EQ(ErrorMessage(Get("/throw", 500), "internal"),
            "internal error; the server logged the details");
  EXPECT_EQ(Get("/healthz", 200)["status"], "ok");
}

TEST_F(ServerTest, HealthSaysWhichModelServes) {
  EXPECT_EQ(Get("/healthz", 200), (json{{"status", "ok"}, {"model_version", 7}, {"songs", 6}}));
}

TEST_F(ServerTest, ManyKeepAliveClientsAtOnceAreAllServed) {
  // More concurrent keep-alive connections than a default httplib pool (8) would serve.
  constexpr int kClients = 32, kRequests = 40;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&] {
      httplib::Client client("127.0.0.1", port_);
      client.set_keep_alive(true);
      for (int i = 0; i < kRequests; ++i) {
        auto response = client.Get("/v1/songs/a1/similar?k=3");
        if (response && response->status == 200 &&
            json::parse(response->body)["results"].size() == 3) {
          ++ok;
        }
      }
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
}

}  // namespace
}  // namespace songvec
