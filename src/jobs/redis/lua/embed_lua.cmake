# Writes OUTPUT, a C++ source that embeds the .lua files INPUTS ('|'-separated paths; the
# build runs it with every src/jobs/redis/lua/*.lua whenever one changes, is added or is
# removed): for each file <name>.lua, polyvox::redis::lua::<name>, a std::string_view of its
# bytes, and an entry of lua::files() (jobs/redis/redis_lua_files.h). The bytes are written as \x
# escapes in string literals: no Lua text (quotes, brackets, semicolons, a raw-string delimiter)
# can end a literal or be read as CMake syntax. OUTPUT is rewritten only when it changes.
#   cmake -D "INPUTS=a.lua|b.lua" -D OUTPUT=<file.cpp> -P embed_lua.cmake

string(REPLACE "|" ";" lua_files "${INPUTS}")
list(SORT lua_files)
if(NOT lua_files)
  message(FATAL_ERROR "no .lua file to embed")
endif()

set(bytes_per_line 24)
set(literals "")
set(definitions "")
set(table "")
foreach(path IN LISTS lua_files)
  get_filename_component(name "${path}" NAME_WE)
  if(NOT name MATCHES "^[a-z][a-z0-9_]*$")
    message(FATAL_ERROR "${path}: a script's name must be a C++ identifier in snake_case")
  endif()
  file(READ "${path}" hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  set(lines "")
  set(offset 0)
  math(EXPR chunk "${bytes_per_line} * 2")
  while(offset LESS hex_length)
    string(SUBSTRING "${hex}" ${offset} ${chunk} part)
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" part "${part}")
    string(APPEND lines "\n    \"${part}\"")
    math(EXPR offset "${offset} + ${chunk}")
  endwhile()
  if(size EQUAL 0)
    set(lines " \"\"")
  endif()
  string(APPEND literals "constexpr std::string_view ${name}{${lines},\n    ${size}};\n")
  string(APPEND definitions "extern const std::string_view ${name} = text::${name};\n")
  string(APPEND table "    {\"${name}\", text::${name}},\n")
endforeach()

file(CONFIGURE OUTPUT "${OUTPUT}" @ONLY CONTENT [=[
// Generated from src/jobs/redis/lua/*.lua by src/jobs/redis/lua/embed_lua.cmake: do not edit.
#include "jobs/redis/redis_lua_files.h"

namespace polyvox::redis::lua {
namespace {
namespace text {

@literals@
}  // namespace text

constexpr File kFiles[] = {
@table@};

}  // namespace

@definitions@
std::span<const File> files() { return kFiles; }

}  // namespace polyvox::redis::lua
]=])
