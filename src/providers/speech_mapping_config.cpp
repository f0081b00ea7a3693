#include "providers/speech_mapping_config.h"

#include <toml++/toml.h>

#include <stdexcept>

namespace polyvox {
namespace {

[[noreturn]] void fail(const std::string& where, const std::string& why) {
  throw std::invalid_argument(where + ": " + why);
}

std::string string_of(const toml::node& node, const std::string& where) {
  auto v = node.value<std::string>();
  if (!node.is_string() || !v || v->empty()) fail(where, "must be a non-empty string");
  return *v;
}

// "provider:voice", both parts non-empty.
std::string direct_voice(const toml::node& node, const std::string& where) {
  std::string v = string_of(node, where);
  const auto colon = v.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == v.size()) {
    fail(where, "must be \"provider:voice\", got '" + v + "'");
  }
  return v;
}

std::map<std::string, std::string> names(const toml::node& node, const std::string& where,
                                         bool direct) {
  const auto* table = node.as_table();
  if (!table) fail(where, "must be a table of name = \"voice\"");
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : *table) {
    const std::string name(key.str());
    const std::string at = where + "." + name;
    out[name] = direct ? direct_voice(value, at) : string_of(value, at);
  }
  return out;
}

SpeechModelRoute route_of(const toml::table& table, const std::string& where) {
  SpeechModelRoute route;
  for (const auto& [key, value] : table) {
    const std::string k(key.str());
    const std::string at = where + " " + k;
    if (k == "provider") {
      route.provider = string_of(value, at);
    } else if (k == "voices") {
      route.voices = names(value, at, false);
    } else if (k == "arabic") {
      route.arabic = direct_voice(value, at);
    } else if (k == "arabic_voices") {
      route.arabic_voices = names(value, at, true);
    } else {
      fail(at, "unknown setting (provider, voices, arabic, arabic_voices)");
    }
  }
  if (route.provider.empty()) fail(where + " provider", "is required");
  return route;
}

}  // namespace

SpeechMapping load_speech_mapping(const EnvLookup& env, const ProvidersConfig& providers) {
  return load_speech_mapping(config_file_text(env), env_or(env, "POLYVOX_CONFIG", ""), providers);
}

SpeechMapping load_speech_mapping(std::string_view toml_text, const std::string& source,
                                  const ProvidersConfig& providers) {
  SpeechMapping mapping = default_speech_mapping();
  for (const CloudProviderConfig& c : providers.providers) {
    mapping.provider_models.push_back({c.name, c.kind, c.model});
  }
  if (toml_text.empty()) return mapping;
  toml::table doc;
  try {
    doc = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    fail(source, std::string(e.description()));  // load_providers_config names the place
  }
  const toml::node* openai = doc.get("openai");
  if (!openai) return mapping;
  const auto* table = openai->as_table();
  if (!table) fail(source + ": openai", "must be a table");
  for (const auto& [key, value] : *table) {
    const std::string k(key.str());
    if (k != "models") fail(source + ": [openai] " + k, "unknown setting (models)");
    const auto* models = value.as_table();
    if (!models) fail(source + ": openai.models", "must be a table of [openai.models.<name>]");
    for (const auto& [name, model] : *models) {
      const std::string where = source + ": [openai.models." + std::string(name.str()) + "]";
      const auto* route = model.as_table();
      if (!route) fail(where, "must be a table");
      mapping.models[std::string(name.str())] = route_of(*route, where);
    }
  }
  return mapping;
}

}  // namespace polyvox
