// Prompts on a terminal: echo turned off while a password is typed (and back on whatever ends
// the process), and the process's controlling terminal opened for a prompt when stdin is not it.
#pragma once

#include <optional>
#include <string>

namespace polyvox {

// Turns the echo of the terminal `fd` off for its lifetime (the Enter still moves to the next
// line), and back on at SIGINT, SIGTERM, SIGHUP and SIGQUIT, which then end the process as they
// would have. Nothing happens when `fd` is not a terminal. One at a time per process.
class EchoOff {
 public:
  explicit EchoOff(int fd);
  ~EchoOff();
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  int fd_;
  bool active_ = false;
};

// The controlling terminal (/dev/tty), for questions whose answers are not the command's input
// (stdin may be a pipe carrying the job).
class Terminal {
 public:
  // nullopt when the process has no controlling terminal.
  static std::optional<Terminal> open();

  Terminal(Terminal&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;
  Terminal& operator=(Terminal&&) = delete;
  ~Terminal();

  // Writes `question`, then reads one line (without its line end), echoed or not. nullopt at
  // end of input (Ctrl-D) or on a read error.
  std::optional<std::string> ask(const std::string& question, bool echo);

 private:
  explicit Terminal(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace polyvox
