#include <unistd.h>

#include <iostream>
#include <tuple>

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

// One override as the user gave it, or an error naming the option.
Result<std::optional<QuotaOverride>> parsed_override(const std::optional<std::string>& text,
                                                     const char* option) {
  if (!text) return std::optional<QuotaOverride>();
  auto parsed = parse_quota_override(*text);
  if (!parsed) {
    return invalid_input(option, "must be a number, 'unlimited' or 'default', not '" + *text + "'");
  }
  return std::optional<QuotaOverride>(*parsed);
}

std::string describe(const QuotaOverride& o) {
  switch (o.kind) {
    case QuotaOverride::Kind::kUnlimited:
      return "unlimited";
    case QuotaOverride::Kind::kLimit:
      return std::to_string(o.limit);
    case QuotaOverride::Kind::kDefault:
      break;
  }
  return "default";
}

// `users set NAME --max-queued-jobs N ...`: changes the overrides given, keeps the others.
int set_quotas(UserStore& users, const UsersArgs& args) {
  auto user = users.find_user(args.name);
  if (!user) return fail(user.error().message, 1);
  if (!*user) return fail("user " + args.name + " not found");
  QuotaOverrides quotas = (*user)->quotas;
  const std::tuple<const std::optional<std::string>&, const char*, QuotaOverride&> options[] = {
      {args.max_queued_jobs, "--max-queued-jobs", quotas.max_queued_jobs},
      {args.max_queued_blocks, "--max-queued-blocks", quotas.max_queued_blocks},
      {args.max_chars_per_day, "--max-chars-per-day", quotas.max_chars_per_day}};
  bool any = false;
  for (const auto& [text, option, target] : options) {
    auto parsed = parsed_override(text, option);
    if (!parsed) return fail(parsed.error().to_string());
    if (*parsed) target = **parsed, any = true;
  }
  if (!any) {
    return fail("give at least one of --max-queued-jobs, --max-queued-blocks, --max-chars-per-day");
  }
  if (Status s = users.set_quotas(args.name, quotas); !s) {
    return fail(s.error().message, s.error().kind == ErrorKind::kNotFound ? 2 : 1);
  }
  std::cout << "quotas of " << args.name << ": max_queued_jobs " << describe(quotas.max_queued_jobs)
            << ", max_queued_blocks " << describe(quotas.max_queued_blocks)
            << ", max_chars_per_day " << describe(quotas.max_chars_per_day) << "\n";
  return 0;
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
  if (args.action == "set") return set_quotas(users, args);
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
