// The scripts of POLYVOX_REDIS_SCRIPTS, each made once from its embedded .lua file.
#include "jobs/redis/redis_scripts.h"

#include <string>

#include "jobs/redis/redis_lua_files.h"

namespace polyvox::redis {

// lua::<name>: the text of lua/<name>.lua (generated redis_lua_files.cpp). A script without its
// file fails to link.
namespace lua {
#define POLYVOX_DECLARE_LUA_TEXT(name, prelude) extern const std::string_view name;
POLYVOX_REDIS_SCRIPTS(POLYVOX_DECLARE_LUA_TEXT)
#undef POLYVOX_DECLARE_LUA_TEXT
}  // namespace lua

namespace scripts {
namespace {

// The prelude `prelude` names, then `text`.
std::string source_of(Prelude prelude, std::string_view text) {
  std::string source(prelude == Prelude::kShared ? lua::prelude : std::string_view());
  source += text;
  return source;
}

// A script that owns its source, made once in a function-local static.
struct OwnedScript {
  OwnedScript(std::string_view name, Prelude prelude, std::string_view text)
      : source(source_of(prelude, text)), script{name, source} {}
  OwnedScript(const OwnedScript&) = delete;  // `script` views `source`
  OwnedScript& operator=(const OwnedScript&) = delete;
  const std::string source;
  const Script script;
};

}  // namespace

#define POLYVOX_DEFINE_SCRIPT(name, prelude)                   \
  const Script& name() {                                       \
    static const OwnedScript owned(#name, prelude, lua::name); \
    return owned.script;                                       \
  }
POLYVOX_REDIS_SCRIPTS(POLYVOX_DEFINE_SCRIPT)
#undef POLYVOX_DEFINE_SCRIPT

const std::vector<const Script*>& all() {
#define POLYVOX_LIST_SCRIPT(name, prelude) &name(),
  static const std::vector<const Script*> every{POLYVOX_REDIS_SCRIPTS(POLYVOX_LIST_SCRIPT)};
#undef POLYVOX_LIST_SCRIPT
  return every;
}

}  // namespace scripts
}  // namespace polyvox::redis
