// `polyvox keys`: API keys administered on the data directory or Redis, as `polyvox users`
// administers users. Only the key that `create` makes goes to stdout (so that
// KEY=$(polyvox keys create ci) captures it alone); `list` writes its lines there too; every
// message goes to stderr.
#include <iostream>

#include "app/commands.h"
#include "app/composition_root.h"
#include "auth/api_key_service.h"
#include "core/rfc3339.h"

namespace polyvox {
namespace {

int fail(const Error& error) {
  std::cerr << "polyvox keys: " << error.to_string() << "\n";
  const ErrorKind kind = error.kind;
  return kind == ErrorKind::kInvalidInput || kind == ErrorKind::kNotFound ||
                 kind == ErrorKind::kConflict
             ? 2
             : 1;
}

std::string when(int64_t epoch_ms) { return epoch_ms == 0 ? "never" : iso8601(epoch_ms); }

// The user called `user`, or whose id it is; kInvalidInput naming --user when there is none.
Result<User> find_user(UserStore& users, const std::string& user) {
  auto named = users.find_user(user);
  if (!named) return named.take_error();
  if (named->has_value()) return std::move(**named);
  auto by_id = users.find_user_by_id(user);
  if (!by_id) return by_id.take_error();
  if (by_id->has_value()) return std::move(**by_id);
  return invalid_input("--user", "no user is called " + user + " or has it as id");
}

int create(const KeysArgs& args, const Config& config, UserAdmin& admin) {
  if (Status s = check_api_key_name(args.name, "NAME"); !s) return fail(s.error());
  int64_t expires_at_ms = 0;
  if (args.expiry_given) {
    auto expiry =
        api_key_expiry_in_days(args.expires_in_days, admin.clock.now_ms(), "--expires-in-days");
    if (!expiry) return fail(expiry.error());
    expires_at_ms = *expiry;
  }
  auto user =
      find_user(admin.users(), args.user.empty() ? config.service.admin_username : args.user);
  if (!user) return fail(user.error());
  ApiKeyService service(admin.api_keys(), admin.users(), admin.clock);
  auto issued = service.create(user->id, args.name, expires_at_ms);
  if (!issued) return fail(issued.error());
  std::cout << issued->key << "\n" << std::flush;
  const ApiKey& key = issued->record;
  std::cerr << "created API key " << key.id << " (" << key.prefix << "...) named '" << key.name
            << "' for " << user->name << ", expires " << when(key.expires_at_ms)
            << "; the key is shown this once\n";
  return 0;
}

int list(const KeysArgs& args, UserAdmin& admin) {
  std::vector<User> users;
  if (!args.user.empty()) {
    auto user = find_user(admin.users(), args.user);
    if (!user) return fail(user.error());
    users.push_back(std::move(user.value()));
  } else {
    auto all = admin.users().list_users();
    if (!all) return fail(all.error());
    users = std::move(all.value());
  }
  for (const User& user : users) {
    auto keys = admin.api_keys().list_keys(user.id);
    if (!keys) return fail(keys.error());
    for (const ApiKey& key : *keys) {
      std::cout << key.id << "\t" << key.prefix << "\t" << user.name << "\t" << key.name << "\t"
                << iso8601(key.created_at_ms) << "\t" << when(key.expires_at_ms) << "\t"
                << when(key.last_used_at_ms) << "\n";
    }
  }
  return 0;
}

int revoke(const KeysArgs& args, UserAdmin& admin) {
  ApiKeyService service(admin.api_keys(), admin.users(), admin.clock);
  if (Status s = service.revoke(args.name, ""); !s) {
    if (s.error().kind == ErrorKind::kNotFound) {
      return fail(invalid_input("ID", "no API key has the id " + args.name));
    }
    return fail(s.error());
  }
  std::cerr << "revoked API key " << args.name
            << " (running API nodes refuse it within a second)\n";
  return 0;
}

}  // namespace

int run_keys(const KeysArgs& args, const Config& config) {
  std::cerr << "polyvox keys: " << user_admin_location(config) << "\n";
  auto admin = open_user_admin(config);
  if (!admin) {
    if (admin.error().kind == ErrorKind::kInvalidInput) return fail(admin.error());
    return fail(Error{ErrorKind::kInternal, admin.error().to_string(), ""});
  }
  if (args.action == "create") return create(args, config, **admin);
  if (args.action == "list") return list(args, **admin);
  if (args.action == "revoke") return revoke(args, **admin);
  return fail(invalid_input("", "unknown action '" + args.action + "'"));
}

}  // namespace polyvox
