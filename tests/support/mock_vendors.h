// The vendor mock servers (tests/support/mock_vendors.py) from C++ tests: starts them in a child
// Python process, tells where each protocol listens, and drives their faults and request logs
// through their /__mock__/ control endpoints.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "http/http_client.h"
#include "server_process.h"

namespace polyvox::test_support {

class MockVendors {
 public:
  // Starts every mock (elevenlabs, openai, ghaymah, ghaymah_pro, kokoro, diacritizer); with
  // `tls`, they speak HTTPS with a self-signed certificate (ca_file()). With `h2_proxy` (and no
  // `tls`), "h2" is nginx speaking HTTP/2 over TLS in front of the kokoro mock (ca_file("h2")).
  // Throws std::runtime_error when they do not come up within 20 s.
  explicit MockVendors(bool tls = false, bool h2_proxy = false)
      : process_(arguments(tls, h2_proxy)), description_(process_.description()) {
    http::HttpClientOptions options;
    options.ca_file = ca_file();
    control_ = std::make_unique<http::HttpClient>(options);
  }

  MockVendors(const MockVendors&) = delete;
  MockVendors& operator=(const MockVendors&) = delete;

  // What Polyvox is configured with for `protocol`: the base URL (elevenlabs: the API root;
  // openai/ghaymah: .../v1; ghaymah_pro, kokoro, diacritizer: the endpoint) and the key.
  std::string url(const std::string& protocol) const { return at(protocol)["url"]; }
  std::string key(const std::string& protocol) const {
    const auto& k = at(protocol)["key"];
    return k.is_string() ? k.get<std::string>() : "";
  }
  // The self-signed certificate of the TLS mocks ("" without TLS), or of `protocol`'s.
  std::string ca_file(const std::string& protocol = "elevenlabs") const {
    return at(protocol).value("ca_file", std::string());
  }

  // Queues `fault` ({"kind": "rate_limit", "count": 2, "retry_after": 3}, ...) on `protocol`.
  void fail_next(const std::string& protocol, nlohmann::json fault) {
    control(protocol, "POST", "faults", fault.dump());
  }
  // The request log: [{method, path, query, headers, body, json, connection}].
  nlohmann::json requests(const std::string& protocol) {
    return control(protocol, "GET", "requests", "");
  }
  int request_count(const std::string& protocol) {
    return control(protocol, "GET", "stats", "")["requests"];
  }
  // {"requests", "connections", "rate_limited"} of `protocol`'s mock.
  nlohmann::json control_stats(const std::string& protocol) {
    return control(protocol, "GET", "stats", "");
  }
  int connection_count(const std::string& protocol) {
    return control(protocol, "GET", "stats", "")["connections"];
  }
  void reset(const std::string& protocol) { control(protocol, "POST", "reset", ""); }
  // Answers the requests held by "hold" faults (and later ones at once, until reset).
  void release(const std::string& protocol) { control(protocol, "POST", "release", ""); }
  void reset_all() {
    for (const auto& [protocol, value] : description_.items()) reset(protocol);
  }
  // {"ms_per_char": .., "delay_s": ..}
  void settings(const std::string& protocol, nlohmann::json values) {
    control(protocol, "POST", "settings", values.dump());
  }

 private:
  const nlohmann::json& at(const std::string& protocol) const {
    if (!description_.contains(protocol)) throw std::out_of_range("no mock for " + protocol);
    return description_[protocol];
  }

  nlohmann::json control(const std::string& protocol, const std::string& method,
                         const std::string& what, const std::string& body) {
    http::HttpClientRequest request;
    request.method = method;
    const std::string scheme = ca_file().empty() ? "http" : "https";
    request.url = scheme + "://127.0.0.1:" + std::to_string(at(protocol)["port"].get<int>()) +
                  "/__mock__/" + what;
    request.body = body;
    auto response = control_->send(request);
    if (!response || response->status != 200) {
      throw std::runtime_error("mock control " + what + " failed: " +
                               (response ? response->body : response.error().message));
    }
    return nlohmann::json::parse(response->body);
  }

  static std::vector<std::string> arguments(bool tls, bool h2_proxy) {
    std::vector<std::string> argv = {POLYVOX_PYTHON,
                                     std::string(POLYVOX_TEST_SUPPORT_DIR) + "/mock_vendors.py"};
    if (tls) argv.push_back("--tls");
    if (h2_proxy) argv.push_back("--h2-proxy");
    return argv;
  }

  ServerProcess process_;  // stopped last: the mock exits when its stdin closes
  nlohmann::json description_;
  std::unique_ptr<http::HttpClient> control_;
};

}  // namespace polyvox::test_support
