// The Redis backend's Lua scripts as the binary embeds them: each embedded file is the .lua file
// on disk (a stale build would run other Lua than the sources say), every file is a listed
// script or the prelude, Redis accepts every script (SCRIPT LOAD compiles it), and every file
// opens with its contract.
#include "jobs/redis/redis_scripts.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "jobs/redis/redis_lua_files.h"
#include "unit/jobs/store_fixture.h"

namespace polyvox {
namespace {

namespace fs = std::filesystem;
using test_support::shared_redis_server;

const fs::path kLuaDir = fs::path(POLYVOX_SOURCE_DIR) / "src" / "jobs" / "redis" / "lua";

// name (without .lua) -> text, of every .lua file in src/jobs/redis/lua/.
std::map<std::string, std::string> lua_files_on_disk() {
  std::map<std::string, std::string> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(kLuaDir)) {
    if (entry.path().extension() != ".lua") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    files[entry.path().stem().string()] = text.str();
  }
  return files;
}

// name -> text, of every embedded file.
std::map<std::string, std::string> embedded_files() {
  std::map<std::string, std::string> files;
  for (const redis::lua::File& file : redis::lua::files()) {
    files[std::string(file.name)] = std::string(file.text);
  }
  return files;
}

std::set<std::string> names_of(const std::map<std::string, std::string>& files) {
  std::set<std::string> names;
  for (const auto& [name, text] : files) names.insert(name);
  return names;
}

TEST(RedisScriptsTest, EmbeddedFilesAreTheLuaFilesOnDisk) {
  const auto on_disk = lua_files_on_disk();
  const auto embedded = embedded_files();
  ASSERT_FALSE(on_disk.empty()) << "no .lua file in " << kLuaDir;
  EXPECT_EQ(names_of(embedded), names_of(on_disk));
  for (const auto& [name, text] : on_disk) {
    auto it = embedded.find(name);
    if (it == embedded.end()) continue;
    EXPECT_TRUE(it->second == text) << name << ".lua differs from the embedded text";
  }
}

TEST(RedisScriptsTest, EveryFileIsAListedScriptOrThePrelude) {
  std::set<std::string> listed{"prelude"};
  for (const redis::Script* script : redis::scripts::all())
    listed.insert(std::string(script->name));
  EXPECT_EQ(listed.size(), redis::scripts::all().size() + 1) << "a script listed twice";
  EXPECT_EQ(names_of(embedded_files()), listed);
}

TEST(RedisScriptsTest, RedisAcceptsEveryScript) {
  ASSERT_TRUE(shared_redis_server().ready());
  for (const redis::Script* script : redis::scripts::all()) {
    const redis::Value reply =
        shared_redis_server().reply({"SCRIPT", "LOAD", std::string(script->source)});
    EXPECT_FALSE(reply.is_error()) << script->name << ": " << reply.str;
    EXPECT_EQ(reply.text().size(), 40u) << script->name << ": SCRIPT LOAD answered no SHA1";
  }
}

// Each file opens with "-- <name>: what it does", then its KEYS, ARGV and RETURNS; a script says
// whether it runs after the prelude, and does.
TEST(RedisScriptsTest, EveryFileOpensWithItsContract) {
  const auto files = embedded_files();
  for (const auto& [name, text] : files) {
    EXPECT_TRUE(text.starts_with("-- " + name + ": ")) << name << ".lua";
    EXPECT_NE(text.find("\n-- KEYS "), std::string::npos) << name << ".lua";
  }
  const std::string& prelude = files.at("prelude");
  for (const redis::Script* script : redis::scripts::all()) {
    const std::string name(script->name);
    const std::string& text = files.at(name);
    EXPECT_NE(text.find("\n-- ARGV "), std::string::npos) << name << ".lua";
    EXPECT_NE(text.find("\n-- RETURNS "), std::string::npos) << name << ".lua";
    const bool says_prelude = text.find("\n-- Runs after prelude.lua") != std::string::npos;
    EXPECT_EQ(script->source, says_prelude ? prelude + text : text) << name;
  }
}

}  // namespace
}  // namespace polyvox
