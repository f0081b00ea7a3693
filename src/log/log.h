// The one logger: JSON lines (or readable text) on stdout, configured once at start
// (LOG_LEVEL, LOG_FORMAT). Events carry fields (request_id, job_id, block, ...) instead of being
// formatted into the message. Never pass a password, token or key as a field.
#pragma once

#include <exception>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace polyvox::log {

enum class Level { kDebug, kInfo, kWarn, kError };

// "json" (default) or "text"; level "debug", "info" (default), "warning"/"warn", "error", or
// "off" (nothing: commands whose own messages say what happened).
// Throws std::invalid_argument on an unknown value (fatal configuration). Call once, early.
void configure(std::string_view level, std::string_view format);

using Value = std::variant<std::string, std::string_view, const char*, long long, double, bool>;
using Field = std::pair<std::string_view, Value>;

// Where lines go: stdout (the default: services, where stdout is the log) or stderr (commands
// whose stdout is their output: synth, voices, diacritize). Call before the first line.
void write_to_stderr();

bool enabled(Level level);

// One event: {"ts", "level", "msg", fields...}. Thread-safe.
void write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

inline void debug(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::kDebug, m, f);
}
inline void info(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::kInfo, m, f);
}
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::kWarn, m, f);
}
inline void error(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::kError, m, f);
}

// Runs `work` and returns true; an exception out of it is logged as an error naming `where`
// and false is returned instead, so that a thread's loop carries on. For the entry points of
// long-lived threads: no exception ends the process.
template <typename Work>
bool catching(std::string_view where, Work&& work) noexcept {
  try {
    work();
    return true;
  } catch (const std::exception& e) {
    write(Level::kError, "unexpected exception", {{"in", where}, {"error", e.what()}});
  } catch (...) {
    write(Level::kError, "unexpected exception",
          {{"in", where}, {"error", "not a std::exception"}});
  }
  return false;
}

}  // namespace polyvox::log
