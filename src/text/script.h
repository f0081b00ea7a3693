// Which writing system a text is mostly in, for choosing a voice by script (an Arabic voice,
// diacritized, for Arabic-script text).
#pragma once

#include <string_view>

namespace polyvox {

// True when `text` has more letters of the Arabic script (U+0600..U+06FF, U+0750..U+077F,
// U+08A0..U+08FF, presentation forms U+FB50..U+FDFF, U+FE70..U+FEFF; marks and Arabic digits not
// counted) than letters of any other script. Malformed UTF-8 bytes count as nothing. Pure.
bool is_mostly_arabic(std::string_view text);

}  // namespace polyvox
