#include "http/http_client.h"

#include <gtest/gtest.h>

#include <thread>

#include "../../support/closed_port.h"
#include "../../support/mock_vendors.h"
#include "../../support/scripted_http_server.h"

namespace polyvox::http {
namespace {

using nlohmann::json;
using test_support::closed_port;
using test_support::MockVendors;

class HttpClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { mocks_ = std::make_unique<MockVendors>(); }
  static void TearDownTestSuite() { mocks_.reset(); }
  void SetUp() override { mocks_->reset_all(); }

  // A POST the kokoro mock answers with JSON (no auth needed).
  static HttpClientRequest kokoro_post(const std::string& text = "Hello there") {
    HttpClientRequest request;
    request.method = "POST";
    request.url = mocks_->url("kokoro");
    request.headers = {{"Content-Type", "application/json"}, {"X-Test", "yes"}};
    request.body = json{{"text", text}, {"voice_id", "0"}}.dump();
    return request;
  }

  static std::unique_ptr<MockVendors> mocks_;
  HttpClient client_;
};
std::unique_ptr<MockVendors> HttpClientTest::mocks_;

TEST_F(HttpClientTest, SendsMethodHeadersAndBodyAndReturnsStatusHeadersAndBody) {
  auto response = client_.send(kokoro_post());
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->http_version, 11);  // plain http stays HTTP/1.1
  EXPECT_EQ(response->content_type(), "application/json");
  EXPECT_EQ(response->header("CONTENT-TYPE"), "application/json");
  EXPECT_TRUE(json::parse(response->body).contains("audio"));

  const json log = mocks_->requests("kokoro");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["method"], "POST");
  EXPECT_EQ(log[0]["path"], "/kokoro");
  EXPECT_EQ(log[0]["headers"]["x-test"], "yes");
  EXPECT_EQ(log[0]["headers"]["content-type"], "application/json");
  EXPECT_EQ(log[0]["json"]["text"], "Hello there");
  EXPECT_FALSE(log[0]["headers"].contains("expect"));
}

TEST_F(HttpClientTest, ReturnsErrorStatusesAsResponses) {
  HttpClientRequest request;
  request.method = "POST";
  request.url = mocks_->url("openai") + "/audio/speech";
  request.headers = {{"Authorization", "Bearer wrong"}};
  request.body = "{}";
  auto response = client_.send(request);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 401);
  EXPECT_NE(response->body.find("invalid_api_key"), std::string::npos);
}

TEST_F(HttpClientTest, ReusesOneConnectionForSequentialRequests) {
  for (int i = 0; i < 5; ++i) {
    auto response = client_.send(kokoro_post());
    ASSERT_TRUE(response.ok()) << response.error().message;
  }
  EXPECT_EQ(mocks_->request_count("kokoro"), 5);
  EXPECT_EQ(mocks_->connection_count("kokoro"), 1);
  EXPECT_EQ(client_.connections_opened(), 1u);
}

TEST_F(HttpClientTest, ConcurrentRequestsOpenNoMoreConnectionsThanThreads) {
  constexpr int kThreads = 4;
  constexpr int kEach = 5;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) ok += client_.send(kokoro_post()).ok() ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads * kEach);
  EXPECT_EQ(mocks_->request_count("kokoro"), kThreads * kEach);
  EXPECT_LE(mocks_->connection_count("kokoro"), kThreads);
  EXPECT_LE(client_.connections_opened(), static_cast<std::size_t>(kThreads));
}

TEST_F(HttpClientTest, TimeoutIsUnavailableWithTheReason) {
  mocks_->fail_next("kokoro", {{"kind", "hang"}, {"seconds", 5}});
  auto request = kokoro_post();
  request.total_timeout = std::chrono::milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  auto response = client_.send(request);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(response.error().message.find("timed out"), std::string::npos)
      << response.error().message;
  EXPECT_NE(response.error().message.find("POST http://127.0.0.1:"), std::string::npos);
  EXPECT_LT(elapsed, std::chrono::seconds(3));
}

TEST_F(HttpClientTest, RefusedConnectionIsUnavailable) {
  HttpClientRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/x";
  auto response = client_.send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(response.error().message.find("GET http://127.0.0.1:"), std::string::npos);
}

TEST_F(HttpClientTest, CancellingStopsARequestInFlight) {
  mocks_->fail_next("kokoro", {{"kind", "hang"}, {"seconds", 20}});
  CancelToken cancel;
  auto request = kokoro_post();
  request.cancel = &cancel;
  std::thread canceller([&cancel] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel.cancel();
  });
  const auto start = std::chrono::steady_clock::now();
  auto response = client_.send(request);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  canceller.join();
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(response.error().message.find("cancelled"), std::string::npos);
  EXPECT_LT(elapsed, std::chrono::milliseconds(2500));
}

TEST_F(HttpClientTest, RefusesAResponseLargerThanTheCap) {
  auto request = kokoro_post();
  request.max_response_bytes = 100;
  auto response = client_.send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(response.error().message.find("larger than 100 bytes"), std::string::npos)
      << response.error().message;
}

// A blob store's stat of a final file of 100 MB: the HEAD answer names the size a GET would
// send, and carries no body, so the cap on bodies does not apply to it.
TEST_F(HttpClientTest, AHeadAnswerNamingALargeSizeIsNotRefusedByTheBodyCap) {
  test_support::ScriptedHttpServer server(
      {"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\nETag: \"abc\"\r\n\r\n"});
  HttpClientRequest request;
  request.method = "HEAD";
  request.url = server.url() + "/bucket/jobs/j/final_audio.mp3";
  request.max_response_bytes = 100;
  auto response = client_.send(request);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->header("content-length"), "100000000");
  EXPECT_TRUE(response->body.empty());
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].rfind("HEAD ", 0), 0u) << server.requests()[0];
}

TEST_F(HttpClientTest, TruncatedBodyIsUnavailable) {
  mocks_->fail_next("kokoro", {{"kind", "disconnect"}});
  auto response = client_.send(kokoro_post());
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().kind, ErrorKind::kUnavailable);
}

TEST_F(HttpClientTest, HandsASuccessfulBodyToTheSinkAsItArrives) {
  auto request = kokoro_post();
  request.max_response_bytes = 100;  // does not apply to what the sink takes
  std::string streamed;
  int pieces = 0;
  request.on_body = [&](std::string_view piece) {
    streamed.append(piece);
    ++pieces;
    return true;
  };
  auto response = client_.send(request);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(response->body.empty());
  EXPECT_GE(pieces, 1);
  EXPECT_GT(streamed.size(), 100u);
  EXPECT_TRUE(json::parse(streamed).contains("audio"));
}

TEST_F(HttpClientTest, CollectsAnErrorBodyAlthoughASinkIsSet) {
  HttpClientRequest request;
  request.method = "POST";
  request.url = mocks_->url("openai") + "/audio/speech";
  request.headers = {{"Authorization", "Bearer wrong"}};
  request.body = "{}";
  bool sink_called = false;
  request.on_body = [&](std::string_view) { return sink_called = true; };
  auto response = client_.send(request);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 401);
  EXPECT_NE(response->body.find("invalid_api_key"), std::string::npos);
  EXPECT_FALSE(sink_called);
}

TEST_F(HttpClientTest, ASinkThatRefusesEndsTheTransfer) {
  auto request = kokoro_post();
  request.on_body = [](std::string_view) { return false; };
  auto response = client_.send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(response.error().message.find("stopped by the receiver"), std::string::npos)
      << response.error().message;
}

TEST_F(HttpClientTest, IdleTimeoutEndsATransferThatReceivesNothing) {
  mocks_->fail_next("kokoro", {{"kind", "hang"}, {"seconds", 10}});
  auto request = kokoro_post();
  request.total_timeout = std::chrono::milliseconds(0);  // no limit on the whole exchange
  request.idle_timeout = std::chrono::milliseconds(500);
  const auto start = std::chrono::steady_clock::now();
  auto response = client_.send(request);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(response.error().message.find("no data for 500 ms"), std::string::npos)
      << response.error().message;
  EXPECT_GE(elapsed, std::chrono::milliseconds(500));
  EXPECT_LT(elapsed, std::chrono::milliseconds(3000));
}

TEST_F(HttpClientTest, IdleTimeoutLeavesATransferThatKeepsReceivingAlone) {
  mocks_->fail_next("kokoro", {{"kind", "slow"}, {"seconds", 0.2}});
  auto request = kokoro_post();
  request.idle_timeout = std::chrono::milliseconds(2000);
  auto response = client_.send(request);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
}

TEST_F(HttpClientTest, NeverPutsHeaderValuesUserInfoOrQueryInErrors) {
  HttpClientRequest request;
  request.url =
      "http://user:pa55word@127.0.0.1:" + std::to_string(closed_port()) + "/v1/x?key=query-secret";
  request.headers = {{"Authorization", "Bearer header-secret"}, {"xi-api-key", "xi-secret"}};
  auto response = client_.send(request);
  ASSERT_FALSE(response.ok());
  for (const char* secret : {"pa55word", "query-secret", "header-secret", "xi-secret"}) {
    EXPECT_EQ(response.error().message.find(secret), std::string::npos) << response.error().message;
  }
}

TEST_F(HttpClientTest, SignsWithAwsSigV4AndNeverSendsTheSecret) {
  HttpClientRequest request = kokoro_post();
  request.aws_sigv4 = AwsSigV4{"aws:amz:eu-west-1:s3", "AKIDEXAMPLE", "sigv4-secret-Qw9"};
  request.headers.emplace_back("x-amz-content-sha256", "UNSIGNED-PAYLOAD");
  ASSERT_TRUE(client_.send(request).ok());
  const json log = mocks_->requests("kokoro");
  ASSERT_EQ(log.size(), 1u);
  const std::string authorization = log[0]["headers"]["authorization"];
  EXPECT_EQ(authorization.rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/", 0), 0u)
      << authorization;
  EXPECT_NE(authorization.find("/eu-west-1/s3/aws4_request"), std::string::npos);
  EXPECT_NE(authorization.find("SignedHeaders="), std::string::npos);
  EXPECT_NE(authorization.find("x-amz-date"), std::string::npos);
  EXPECT_TRUE(log[0]["headers"].contains("x-amz-date"));
  EXPECT_EQ(log[0].dump().find("sigv4-secret-Qw9"), std::string::npos);

  request.url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/x";
  auto failed = client_.send(request);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message.find("sigv4-secret-Qw9"), std::string::npos);
}

TEST_F(HttpClientTest, StreamsAPutBodyFromAFile) {
  const std::string path = ::testing::TempDir() + "/polyvox-upload-" + std::to_string(getpid());
  std::string content(300'000, 'a');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>('a' + i % 26);
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    std::fwrite(content.data(), 1, content.size(), f);
    std::fclose(f);
  }
  HttpClientRequest request;
  request.method = "PUT";
  request.url = mocks_->url("kokoro");
  request.body_file = path;
  ASSERT_TRUE(client_.send(request).ok());
  const json log = mocks_->requests("kokoro");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["method"], "PUT");
  EXPECT_EQ(log[0]["headers"]["content-length"], std::to_string(content.size()));
  EXPECT_TRUE(log[0]["body"] == content);

  request.method = "POST";
  EXPECT_EQ(client_.send(request).error().kind, ErrorKind::kInvalidInput);
  std::remove(path.c_str());
  request.method = "PUT";
  EXPECT_EQ(client_.send(request).error().kind, ErrorKind::kIo);
}

TEST(HttpDateTest, ParsesHttpDates) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), std::time_t{784111777});
  EXPECT_EQ(parse_http_date("not a date"), std::nullopt);
}

TEST_F(HttpClientTest, RefusesUrlsThatAreNotHttp) {
  HttpClientRequest request;
  request.url = "file:///etc/passwd";
  auto response = client_.send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().kind, ErrorKind::kInvalidInput);
}

TEST(HttpClientTlsTest, VerifiesCertificatesAndTrustsOnlyWhatItIsTold) {
  MockVendors tls_mocks(/*tls=*/true);
  HttpClientRequest request;
  request.method = "POST";
  request.url = tls_mocks.url("kokoro");
  ASSERT_EQ(request.url.rfind("https://", 0), 0u);
  request.body = json{{"text", "Hi"}, {"voice_id", "0"}}.dump();

  HttpClient system_trust;
  auto refused = system_trust.send(request);
  ASSERT_FALSE(refused.ok()) << "a self-signed certificate must be refused";
  EXPECT_EQ(refused.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(refused.error().message.find("certificate"), std::string::npos)
      << refused.error().message;

  HttpClientOptions options;
  options.ca_file = tls_mocks.ca_file();
  HttpClient trusting(options);
  auto accepted = trusting.send(request);
  ASSERT_TRUE(accepted.ok()) << accepted.error().message;
  EXPECT_EQ(accepted->status, 200);
}

TEST(HttpClientHttp2Test, NegotiatesHttp2OverTlsAndKeepsOneConnection) {
  MockVendors mocks(/*tls=*/false, /*h2_proxy=*/true);
  HttpClientOptions options;
  options.ca_file = mocks.ca_file("h2");
  HttpClient client(options);
  HttpClientRequest request;
  request.method = "POST";
  request.url = mocks.url("h2");
  request.headers = {{"Content-Type", "application/json"}};
  request.body = json{{"text", "Over HTTP/2."}, {"voice_id", "0"}}.dump();
  for (int i = 0; i < 3; ++i) {
    auto response = client.send(request);
    ASSERT_TRUE(response.ok()) << response.error().message;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->http_version, 20);
    EXPECT_TRUE(json::parse(response->body).contains("audio"));
  }
  EXPECT_EQ(client.connections_opened(), 1u);  // one TLS connection for every request
  EXPECT_EQ(mocks.request_count("kokoro"), 3);
}

TEST(RetryAfterTest, ReadsSecondsMillisecondsAndDates) {
  HttpClientResponse r;
  EXPECT_EQ(retry_after_seconds(r), std::nullopt);
  r.headers = {{"retry-after", "7"}};
  EXPECT_EQ(retry_after_seconds(r), 7);
  r.headers = {{"retry-after", "1.5"}};
  EXPECT_EQ(retry_after_seconds(r), 2);
  r.headers = {{"retry-after-ms", "2500"}, {"retry-after", "9"}};
  EXPECT_EQ(retry_after_seconds(r), 3);  // the finer header wins
  r.headers = {{"retry-after", "Wed, 21 Oct 2015 07:28:30 GMT"}};
  EXPECT_EQ(retry_after_seconds(r, 1445412480), 30);
  EXPECT_EQ(retry_after_seconds(r, 1445412600), 0);  // in the past
  r.headers = {{"retry-after", "soon"}};
  EXPECT_EQ(retry_after_seconds(r), std::nullopt);
  // Numbers past any sensible delay are a day (never an overflowing conversion); infinities and
  // NaN are not numbers of seconds.
  for (const char* huge : {"1e20", "1e300", "0x1p80"}) {
    r.headers = {{"retry-after", huge}};
    EXPECT_EQ(retry_after_seconds(r), 86'400) << huge;
    r.headers = {{"retry-after-ms", huge}};
    EXPECT_EQ(retry_after_seconds(r), 86'400) << huge;
  }
  for (const char* bad : {"inf", "infinity", "nan", "-1"}) {
    r.headers = {{"retry-after", bad}};
    EXPECT_EQ(retry_after_seconds(r), std::nullopt) << bad;
  }
}

TEST(RedactedUrlTest, DropsUserInfoQueryAndFragment) {
  EXPECT_EQ(redacted_url("https://u:p@api.example.com:8443/v1/x?key=s#frag"),
            "https://api.example.com:8443/v1/x");
  EXPECT_EQ(redacted_url("not a url"), "<invalid URL>");
  EXPECT_EQ(url_origin("https://u:p@hooks.example.com/api/webhooks/1/t0ken?x=1"),
            "https://hooks.example.com");
  EXPECT_EQ(url_origin("http://127.0.0.1:8080/a/b"), "http://127.0.0.1:8080");
  EXPECT_EQ(url_origin("not a url"), "<invalid URL>");
  EXPECT_EQ(percent_encode("a b/ü"), "a%20b%2F%C3%BC");
}

}  // namespace
}  // namespace polyvox::http
