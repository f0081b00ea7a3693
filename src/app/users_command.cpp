#include <unistd.h>

#include <iostream>

#include "app/commands.h"
#include "app/composition_root.h"
#include "app/terminal.h"
#include "auth/password.h"
#include "core/ids.h"

namespace polyvox {
namespace {

// One line of stdin without its line ending.
std::string read_line() {
  std::string line;
  std::getline(std::cin, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// A new password: from a terminal, typed twice without echo (nullopt when the two differ);
// from a pipe, its first line.
std::optional<std::string> read_new_password() {
  if (!::isatty(STDIN_FILENO)) return read_line();
  EchoOff echo_off(STDIN_FILENO);
  std::cerr << "Password: " << std::flush;
  const std::string password = read_line();
  std::cerr << "Again: " << std::flush;
  if (read_line() != password) return std::nullopt;
  return password;
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.' &&
        c != '@') {
      return false;
    }
  }
  return true;
}

int fail(const std::string& message, int code = 2) {
  std::cerr << "polyvox users: " << message << "\n";
  return code;
}

}  // namespace

int run_users(const UsersArgs& args, const Config& config) {
  std::cerr << "polyvox users: " << user_admin_location(config) << "\n";
  auto admin = open_user_admin(config, args.create);
  if (!admin) {
    return fail(admin.error().message, admin.error().kind == ErrorKind::kInvalidInput ? 2 : 1);
  }
  UserStore& users = (*admin)->users();
  const Clock& clock = (*admin)->clock;

  if (args.action == "list") {
    auto list = users.list_users();
    if (!list) return fail(list.error().message, 1);
    for (const auto& u : *list) {
      std::cout << u.name << (u.admin ? "\tadmin\t" : "\tuser\t") << u.id << "\n";
    }
    return 0;
  }
  if (!valid_name(args.name)) {
    return fail("user names are 1..64 characters of letters, digits, '_', '-', '.', '@'");
  }
  if (args.action == "remove") {
    Status s = users.remove_user(args.name);
    if (!s) return fail(s.error().message, s.error().kind == ErrorKind::kNotFound ? 2 : 1);
    std::cout << "removed " << args.name << "\n";
    return 0;
  }
  const auto password = args.password_given ? std::optional(args.password) : read_new_password();
  if (!password) return fail("the passwords do not match");
  if (Status s = check_new_password(*password, "password"); !s) return fail(s.error().message);
  auto hash = hash_password(*password);
  if (!hash) return fail(hash.error().message, 1);
  if (args.action == "add") {
    Status s = users.add_user(User{new_uuid4(), args.name, *hash, args.admin, clock.now_ms(), 0});
    if (!s) return fail(s.error().message, s.error().kind == ErrorKind::kInvalidInput ? 2 : 1);
    std::cout << "added " << args.name << (args.admin ? " (admin)" : "") << "\n";
    return 0;
  }
  if (args.action == "passwd") {
    Status s = users.set_password_hash(args.name, *hash);
    if (!s) return fail(s.error().message, s.error().kind == ErrorKind::kNotFound ? 2 : 1);
    std::cout << "password changed for " << args.name << " (their tokens no longer work)\n";
    return 0;
  }
  return fail("unknown action '" + args.action + "'");
}

}  // namespace polyvox
