// A test server in a child process (node s3_server.js, python3 mock_cloudinary.py): started
// with its command line, it prints one JSON line describing itself on stdout and serves until its
// stdin closes. Stopped (stdin closed, then SIGKILL after 2 s) by the destructor.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace polyvox::test_support {

class ServerProcess {
 public:
  // Throws std::runtime_error when the server does not describe itself within `startup`.
  explicit ServerProcess(std::vector<std::string> argv,
                         std::chrono::milliseconds startup = std::chrono::seconds(20)) {
    int in_pipe[2], out_pipe[2];
    if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_addclose(&actions, in_pipe[1]);
    posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    const int rc = posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(in_pipe[0]);
    close(out_pipe[1]);
    stdin_fd_ = in_pipe[1];
    fcntl(stdin_fd_, F_SETFD, FD_CLOEXEC);
    if (rc != 0) {
      close(out_pipe[0]);
      pid_ = -1;
      stop();
      throw std::runtime_error("cannot start " + argv[0]);
    }
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + startup;
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
      throw std::runtime_error(argv.back() + " did not start: " + line);
    }
  }
  ~ServerProcess() { stop(); }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // The JSON line the server printed.
  const nlohmann::json& description() const { return description_; }

 private:
  void stop() {
    if (stdin_fd_ >= 0) {
      close(stdin_fd_);
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
};

}  // namespace polyvox::test_support
