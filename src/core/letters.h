// What a text is made of, as a voice sees it: whether it has anything to speak at all (a letter
// or a digit, in any script) and in which scripts its letters are. Unicode properties from ICU.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace polyvox {

// True when `text` has at least one letter or decimal digit of any script; false when it is
// only punctuation, symbols, marks, emoji or white space (nothing a voice can say). Malformed
// UTF-8 bytes count as nothing. Pure.
bool has_letter_or_digit(std::string_view text);

// How many letters of one script a text has.
struct ScriptLetters {
  std::string script;  // the script's ISO 15924 name as Unicode spells it: "Latin", "Arabic",
                       // "Cyrillic", "Han", "Hiragana", ...
  std::size_t letters = 0;
};

// The letters of `text` counted by script, most letters first (ties by name). Letters that
// belong to no one script (Unicode's Common and Inherited) are not counted. Pure.
std::vector<ScriptLetters> letters_by_script(std::string_view text);

}  // namespace polyvox
