#include "core/speakable_text.h"

#include "core/utf8.h"

namespace polyvox {

Result<std::string> speakable_text(std::string sent, std::size_t max_chars,
                                   const std::string& field, bool required) {
  sent = with_word_processor_hyphens(std::move(sent));
  const std::string_view trimmed = trim_utf8(sent);
  if (trimmed.empty() && required) {
    return invalid_input(field, "must not be empty or only white space");
  }
  const std::size_t length = utf8_length(trimmed);
  if (length > max_chars) {
    return invalid_input(field, "must be at most " + std::to_string(max_chars) +
                                    " characters, got " + std::to_string(length));
  }
  // Looked for in the text as sent, so that the place named is the one the user counts.
  if (auto control = find_unspeakable_control(sent)) {
    return invalid_input(field, unspeakable_control_message(*control));
  }
  return std::string(trimmed);
}

}  // namespace polyvox
