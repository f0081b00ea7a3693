// What each kind of provider registers under its config name, and the registries of them. A
// cloud kind ("elevenlabs", "openai", ...) is what a [providers.<name>] section's `kind` names:
// it brings the defaults of its instances (written once, for the built-in ones and for those a
// file declares alike), the built-in instances the environment configures, its settings checks
// and its factory. A local kind ("espeak", "flite") is an engine in the process, one instance,
// no configuration. Each vendor's file pair exposes its kind (openai_provider_kind(), ...); the
// registrations are in src/app (registrations.cpp); the loader (provider_config.h) and wiring
// only loop over the registries.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/named_registry.h"
#include "http/http_client.h"
#include "providers/provider.h"
#include "providers/provider_config.h"

namespace polyvox {

// An instance that exists with no configuration file (the seed's providers), configured from
// the environment.
struct BuiltinProvider {
  std::string name;  // "openai", "ghaymah"
  // Applies what the environment says (base URL, key variable, model...) to `config`, which
  // holds the kind's defaults. Must not throw: a value only the environment can get wrong is
  // checked by ProviderKind::finish, after the file had its say.
  std::function<void(const EnvLookup& env, CloudProviderConfig& config)> configure;
};

struct ProviderKind {
  std::string name;  // what `kind` says in the file and Provider::kind() returns
  // Where every instance of the kind starts, built-in or declared in the file: model, output
  // format, default voice, voice table, limits, timeouts. The loader sets `name` and `kind`.
  CloudProviderConfig defaults;
  // The built-in instances of this kind, in the order they are listed.
  std::vector<BuiltinProvider> builtins;
  // Whether `format` may be this kind's output_format; a file setting another is refused
  // ("'x' is not supported for <kind>"). Null: any format.
  std::function<bool(std::string_view format)> accepts_output_format;
  // Completes an instance once the environment and the file have been applied: defaults that
  // derive from other settings, checks of what only the environment can have set wrong (throws
  // std::invalid_argument naming the variable). `request_chars_given`: whether the file set
  // max_request_chars. Null: nothing to complete.
  std::function<void(CloudProviderConfig& config, bool request_chars_given)> finish;
  // A provider for `config`, an instance of this kind whose unusable_reason is empty. Sends
  // through `http` (never null). An error is reported as the reason the instance is unusable.
  std::function<Result<std::unique_ptr<Provider>>(const CloudProviderConfig& config,
                                                  std::shared_ptr<const http::HttpClient> http)>
      create;
};

// A ProviderKind::create that constructs `ConcreteProvider` from the configuration and the
// client; for providers whose construction cannot fail.
template <typename ConcreteProvider>
Result<std::unique_ptr<Provider>> construct_provider(const CloudProviderConfig& config,
                                                     std::shared_ptr<const http::HttpClient> http) {
  return std::unique_ptr<Provider>(std::make_unique<ConcreteProvider>(config, std::move(http)));
}

// The cloud kinds by name, in registration order (which is also the order of the built-in
// instances and of the kinds listed in error messages).
using ProviderKinds = NamedRegistry<ProviderKind>;

// An engine in the process: one instance under the kind's own name, no configuration.
struct LocalProviderKind {
  std::string name;  // "espeak", "flite"
  // The engine, or why it cannot start (the provider is then listed unusable with that reason).
  std::function<Result<std::unique_ptr<Provider>>()> create;
};

// A LocalProviderKind::create for an engine with a static `create()` returning
// Result<std::unique_ptr<Engine>>.
template <typename Engine>
Result<std::unique_ptr<Provider>> start_local_provider() {
  auto engine = Engine::create();
  if (!engine) return engine.take_error();
  return std::unique_ptr<Provider>(std::move(engine.value()));
}

using LocalProviderKinds = NamedRegistry<LocalProviderKind>;

}  // namespace polyvox
