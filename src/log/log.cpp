#include "log/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace polyvox::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<bool> g_json{true};
std::atomic<bool> g_stderr{false};

std::shared_ptr<spdlog::logger> logger() {
  // *_sink_mt: one mutex-guarded write per line, lines never interleave.
  static auto instance = [] {
    spdlog::sink_ptr sink;
    if (g_stderr) {
      sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    } else {
      sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
    }
    auto l = std::make_shared<spdlog::logger>("polyvox", sink);
    l->set_pattern("%v");
    l->set_level(spdlog::level::trace);
    l->flush_on(spdlog::level::trace);
    return l;
  }();
  return instance;
}

const char* level_name(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warning";
    case Level::kError:
      return "error";
  }
  return "info";
}

std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  const std::time_t seconds = static_cast<std::time_t>(ms.count() / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(ms.count() % 1000));
  return buf;
}

nlohmann::json to_json(const Value& v) {
  return std::visit(
      [](const auto& x) -> nlohmann::json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string_view>)
          return std::string(x);
        else if constexpr (std::is_same_v<T, const char*>)
          return std::string(x ? x : "");
        else
          return x;
      },
      v);
}

}  // namespace

void configure(std::string_view level, std::string_view format) {
  if (level.empty() || level == "info" || level == "INFO")
    g_level = static_cast<int>(Level::kInfo);
  else if (level == "debug" || level == "DEBUG")
    g_level = static_cast<int>(Level::kDebug);
  else if (level == "warning" || level == "warn" || level == "WARNING")
    g_level = static_cast<int>(Level::kWarn);
  else if (level == "error" || level == "ERROR")
    g_level = static_cast<int>(Level::kError);
  else if (level == "off")
    g_level = static_cast<int>(Level::kError) + 1;
  else
    throw std::invalid_argument("LOG_LEVEL must be debug, info, warning or error");
  if (format.empty() || format == "json")
    g_json = true;
  else if (format == "text")
    g_json = false;
  else
    throw std::invalid_argument("LOG_FORMAT must be json or text");
}

void write_to_stderr() { g_stderr = true; }

bool enabled(Level level) { return static_cast<int>(level) >= g_level.load(); }

void write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  std::string line;
  if (g_json) {
    nlohmann::ordered_json event;
    event["ts"] = timestamp();
    event["level"] = level_name(level);
    event["msg"] = std::string(message);
    for (const auto& [key, value] : fields) event[std::string(key)] = to_json(value);
    line = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = timestamp() + " " + level_name(level) + " " + std::string(message);
    for (const auto& [key, value] : fields) {
      line += " " + std::string(key) + "=" +
              to_json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
  logger()->log(spdlog::level::info, spdlog::string_view_t(line));  // verbatim, not a format
}

}  // namespace polyvox::log
