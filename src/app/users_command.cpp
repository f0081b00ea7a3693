#include <unistd.h>

#include <iostream>

#include "app/commands.h"
#include "app/composition_root.h"
#include "auth/password.h"

namespace polyvox {
namespace {

// A password from stdin (first line), without echo on a terminal.
std::string read_password() {
  if (::isatty(STDIN_FILENO)) std::cerr << "Password: " << std::flush;
  std::string line;
  std::getline(std::cin, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
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
  auto admin = open_user_admin(config);
  if (!admin) return fail(admin.error().to_string(), 1);
  UserStore& users = (*admin)->users();
  const Clock& clock = (*admin)->clock;

  if (args.action == "list") {
    auto list = users.list_users();
    if (!list) return fail(list.error().message, 1);
    for (const auto& u : *list) std::cout << u.name << (u.admin ? "\tadmin" : "\tuser") << "\n";
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
  const std::string password = args.password_given ? args.password : read_password();
  if (password.size() < 8) return fail("the password must have at least 8 characters");
  auto hash = hash_password(password);
  if (!hash) return fail(hash.error().message, 1);
  if (args.action == "add") {
    Status s = users.add_user(User{args.name, *hash, args.admin, clock.now_ms()});
    if (!s) return fail(s.error().message, s.error().kind == ErrorKind::kInvalidInput ? 2 : 1);
    std::cout << "added " << args.name << (args.admin ? " (admin)" : "") << "\n";
    return 0;
  }
  if (args.action == "passwd") {
    Status s = users.set_password_hash(args.name, *hash);
    if (!s) return fail(s.error().message, s.error().kind == ErrorKind::kNotFound ? 2 : 1);
    std::cout << "password changed for " << args.name << "\n";
    return 0;
  }
  return fail("unknown action '" + args.action + "'");
}

}  // namespace polyvox
