#include "core/job.h"

namespace polyvox {

const char* output_format_name(OutputFormat format) {
  return format == OutputFormat::kWav ? "wav" : "mp3";
}

std::optional<OutputFormat> parse_output_format(std::string_view name) {
  if (name == "mp3") return OutputFormat::kMp3;
  if (name == "wav") return OutputFormat::kWav;
  return std::nullopt;
}

const char* output_format_mime(OutputFormat format) {
  return format == OutputFormat::kWav ? "audio/wav" : "audio/mpeg";
}

}  // namespace polyvox
