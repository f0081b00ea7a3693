// The vendor mock servers (tests/support/mock_vendors.py) from C++ tests: starts them in a child
// Python process, tells where each protocol listens, and drives their faults and request logs
// through their /__mock__/ control endpoints.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "http/http_client.h"

extern char** environ;

namespace polyvox::test_support {

class MockVendors {
 public:
  // Starts every mock (elevenlabs, openai, ghaymah, ghaymah_pro, kokoro, diacritizer); with
  // `tls`, they speak HTTPS with a self-signed certificate (ca_file()). With `h2_proxy` (and no
  // `tls`), "h2" is nginx speaking HTTP/2 over TLS in front of the kokoro mock (ca_file("h2")).
  // Throws std::runtime_error when they do not come up within 20 s.
  explicit MockVendors(bool tls = false, bool h2_proxy = false) {
    int in_pipe[2], out_pipe[2];
    if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_addclose(&actions, in_pipe[1]);
    posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
    std::string python = POLYVOX_PYTHON;
    std::string script = std::string(POLYVOX_TEST_SUPPORT_DIR) + "/mock_vendors.py";
    std::string tls_flag = "--tls";
    std::string h2_flag = "--h2-proxy";
    std::vector<char*> argv = {python.data(), script.data()};
    if (tls) argv.push_back(tls_flag.data());
    if (h2_proxy) argv.push_back(h2_flag.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, python.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(in_pipe[0]);
    close(out_pipe[1]);
    stdin_fd_ = in_pipe[1];
    fcntl(stdin_fd_, F_SETFD, FD_CLOEXEC);
    if (rc != 0) {
      close(out_pipe[0]);
      throw std::runtime_error("cannot start " + script);
    }
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (line.find('\n') == std::string::npos) {
      pollfd p{out_pipe[0], POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[4096];
      const ssize_t n = read(out_pipe[0], buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<std::size_t>(n));
    }
    close(out_pipe[0]);
    description_ = nlohmann::json::parse(line, nullptr, false);
    if (!description_.is_object()) {
      stop();
      throw std::runtime_error("mock vendors did not start: " + line);
    }
    http::HttpClientOptions options;
    options.ca_file = ca_file();
    control_ = std::make_unique<http::HttpClient>(options);
  }

  ~MockVendors() { stop(); }
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
  int connection_count(const std::string& protocol) {
    return control(protocol, "GET", "stats", "")["connections"];
  }
  void reset(const std::string& protocol) { control(protocol, "POST", "reset", ""); }
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

  void stop() {
    if (stdin_fd_ >= 0) {
      close(stdin_fd_);  // the mock exits when its stdin closes
      stdin_fd_ = -1;
    }
    if (pid_ > 0) {
      int status = 0;
      for (int i = 0; i < 200 && waitpid(pid_, &status, WNOHANG) == 0; ++i) usleep(10'000);
      if (waitpid(pid_, &status, WNOHANG) == 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
      }
      pid_ = -1;
    }
  }

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  nlohmann::json description_;
  std::unique_ptr<http::HttpClient> control_;
};

}  // namespace polyvox::test_support
