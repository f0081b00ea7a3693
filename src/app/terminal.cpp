#include "app/terminal.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace polyvox {
namespace {

// The terminal and its settings to put back when a signal ends the process while echo is off.
// Written before echo is turned off and only read by the handler: the one piece of process-wide
// state a terminal prompt needs (the handler cannot reach anything else).
struct termios saved_terminal;
int saved_terminal_fd = -1;

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

extern "C" void restore_terminal_and_reraise(int signal) {
  ::tcsetattr(saved_terminal_fd, TCSAFLUSH, &saved_terminal);
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

}  // namespace

EchoOff::EchoOff(int fd) : fd_(fd) {
  if (::tcgetattr(fd, &saved_terminal) != 0) return;
  saved_terminal_fd = fd;
  for (int s : kSignals) std::signal(s, restore_terminal_and_reraise);
  struct termios quiet = saved_terminal;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ECHONL;  // the Enter still moves to the next line
  active_ = ::tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
}

EchoOff::~EchoOff() {
  if (active_) ::tcsetattr(fd_, TCSAFLUSH, &saved_terminal);
  for (int s : kSignals) std::signal(s, SIG_DFL);
}

std::optional<Terminal> Terminal::open() {
  const int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  return Terminal(fd);
}

Terminal::~Terminal() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<std::string> Terminal::ask(const std::string& question, bool echo) {
  std::optional<EchoOff> echo_off;
  if (!echo) echo_off.emplace(fd_);
  for (std::size_t written = 0; written < question.size();) {
    const ssize_t n = ::write(fd_, question.data() + written, question.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    written += static_cast<std::size_t>(n);
  }
  std::string line;
  for (;;) {
    char c = 0;
    const ssize_t n = ::read(fd_, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return line.empty() ? std::nullopt : std::optional(line);
    if (c == '\n') break;
    line += c;
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace polyvox
