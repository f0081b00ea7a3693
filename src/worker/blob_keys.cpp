#include "worker/blob_keys.h"

#include <cctype>
#include <charconv>

namespace polyvox {
namespace {

// The task's worker id as it may stand in a blob key.
std::string key_safe_worker(const Task& task) {
  std::string worker;
  for (char c : task.worker_id) {
    worker.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '_');
  }
  return worker;
}

// The decimal number at the start of `text`, moving `text` past it; nullopt when there is none.
std::optional<int64_t> take_number(std::string_view& text) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end == text.data() || value < 0) return std::nullopt;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return value;
}

}  // namespace

std::string segment_key(const Task& task, OutputFormat format) {
  return kJobBlobsPrefix + task.job_id + "/segments/" + std::to_string(task.block_index) + "-" +
         std::to_string(task.attempt) + "-" + key_safe_worker(task) +
         (has_mp3_segments(format) ? ".mp3" : ".wav");
}

std::string result_key(const Task& task, OutputFormat format) {
  return kJobBlobsPrefix + task.job_id + "/final_audio-" + std::to_string(task.attempt) + "-" +
         key_safe_worker(task) + "." + output_format_name(format);
}

std::string job_of_blob_key(const std::string& key) {
  const std::string_view prefix = kJobBlobsPrefix;
  if (!key.starts_with(prefix)) return "";
  const std::size_t end = key.find('/', prefix.size());
  if (end == std::string::npos || end == prefix.size()) return "";
  return key.substr(prefix.size(), end - prefix.size());
}

std::optional<SegmentOfKey> parse_segment_key(const std::string& job_id, const std::string& key) {
  const std::string dir = kJobBlobsPrefix + job_id + "/segments/";
  if (!key.starts_with(dir)) return std::nullopt;
  std::string_view rest = std::string_view(key).substr(dir.size());
  const auto block = take_number(rest);
  if (!block || !rest.starts_with('-')) return std::nullopt;
  rest.remove_prefix(1);
  const auto attempt = take_number(rest);
  if (!attempt || !rest.starts_with('-')) return std::nullopt;
  return SegmentOfKey{static_cast<std::size_t>(*block), *attempt};
}

}  // namespace polyvox
