// The .lua files of src/jobs/redis/lua/, embedded at build time: src/CMakeLists.txt runs
// lua/embed_lua.cmake, which writes redis_lua_files.cpp (in the build directory) with each file's
// bytes, whenever a .lua file changes. Internal to the Redis backend.
#pragma once

#include <span>
#include <string_view>

namespace polyvox::redis::lua {

struct File {
  std::string_view name;  // the file's name without ".lua": "claim", "prelude", ...
  std::string_view text;  // its bytes, as they are on disk
};

// Every embedded file, by name. Thread-safe (constant data).
std::span<const File> files();

// Each file <name>.lua is also polyvox::redis::lua::<name>, a std::string_view of its text (the
// scripts' declarations are made where they are used: redis_scripts.cpp). The shared prelude:
extern const std::string_view prelude;

}  // namespace polyvox::redis::lua
