#include "providers/provider_config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "providers/provider_kinds.h"
#include "providers/voice_table.h"

namespace polyvox {
namespace {

std::string strip_trailing_slashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// Reads the key from `key_env` and records what is missing.
void resolve_secrets(const EnvLookup& env, CloudProviderConfig& c,
                     std::vector<std::string>& missing) {
  if (c.api_key_env.empty()) return;
  c.api_key = env_or(env, c.api_key_env, "");
  if (c.api_key.empty()) missing.push_back(c.api_key_env);
}

std::string not_set_reason(const std::vector<std::string>& missing) {
  if (missing.empty()) return "";
  std::string out;
  for (std::size_t i = 0; i < missing.size(); ++i) {
    if (i) out += i + 1 == missing.size() ? " and " : ", ";
    out += missing[i];
  }
  return out + (missing.size() == 1 ? " is not set" : " are not set");
}

// A new instance `name` of `kind`: the kind's defaults.
CloudProviderConfig instance_of(const ProviderKind& kind, const std::string& name) {
  CloudProviderConfig c = kind.defaults;
  c.name = name;
  c.kind = kind.name;
  return c;
}

// The built-in instances of every kind, configured from the environment.
std::vector<CloudProviderConfig> builtins(const ProviderKinds& kinds, const EnvLookup& env) {
  std::vector<CloudProviderConfig> out;
  for (const ProviderKind& kind : kinds.all()) {
    for (const BuiltinProvider& builtin : kind.builtins) {
      CloudProviderConfig c = instance_of(kind, builtin.name);
      builtin.configure(env, c);
      out.push_back(std::move(c));
    }
  }
  return out;
}

// Reads one [providers.<name>] table into `c`, checking every key.
class SectionReader {
 public:
  SectionReader(const std::string& source, const std::string& name, const toml::table& table)
      : where_(source + ": [providers." + name + "]"), table_(table) {
    static const std::set<std::string, std::less<>> known = {"kind",
                                                             "base_url",
                                                             "base_url_env",
                                                             "api_key_env",
                                                             "model",
                                                             "default_voice",
                                                             "voice_table",
                                                             "voices",
                                                             "accept_any_voice",
                                                             "output_format",
                                                             "speed",
                                                             "native_speed",
                                                             "instructions",
                                                             "organization",
                                                             "project",
                                                             "enable_logging",
                                                             "voice_settings",
                                                             "voices_cache_seconds",
                                                             "max_concurrency",
                                                             "connect_timeout_ms",
                                                             "timeout_ms",
                                                             "max_request_chars",
                                                             "fallback",
                                                             "enabled"};
    for (const auto& [key, value] : table) {
      const std::string k(key.str());
      if (k == "api_key") {
        fail("api_key",
             "keys are not written in the file: put the key in an environment "
             "variable and give its name in api_key_env");
      }
      if (!known.count(k)) fail(k, "unknown setting");
    }
  }

  [[noreturn]] void fail(const std::string& key, const std::string& why) const {
    throw std::invalid_argument(where_ + " " + key + ": " + why);
  }

  bool has(const char* key) const { return table_.contains(key); }

  void string(const char* key, std::string& out) const {
    if (const auto* node = table_.get(key)) {
      auto v = node->value<std::string>();
      if (!node->is_string() || !v) fail(key, "must be a string");
      out = *v;
    }
  }

  void boolean(const char* key, bool& out) const {
    if (const auto* node = table_.get(key)) {
      if (!node->is_boolean()) fail(key, "must be true or false");
      out = node->as_boolean()->get();
    }
  }

  void number(const char* key, double& out, double min, double max) const {
    if (const auto* node = table_.get(key)) number_of(key, *node, out, min, max);
  }

  void number_of(const std::string& key, const toml::node& node, double& out, double min,
                 double max) const {
    auto v = node.value<double>();
    // NaN passes both comparisons; it and the infinities are never in range.
    if (!(node.is_integer() || node.is_floating_point()) || !v || !std::isfinite(*v) || *v < min ||
        *v > max) {
      fail(key, "must be a number between " + trimmed(min) + " and " + trimmed(max));
    }
    out = *v;
  }

  void integer(const char* key, long long& out, long long min, long long max) const {
    if (const auto* node = table_.get(key)) {
      auto v = node->value<long long>();
      if (!node->is_integer() || !v || *v < min || *v > max) {
        fail(key,
             "must be an integer between " + std::to_string(min) + " and " + std::to_string(max));
      }
      out = *v;
    }
  }

  const toml::table& table() const { return table_; }

 private:
  static std::string trimmed(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
  }

  std::string where_;
  const toml::table& table_;
};

bool accepts_output_format(const ProviderKind& kind, const std::string& format) {
  return !kind.accepts_output_format || kind.accepts_output_format(format);
}

void apply_section(const EnvLookup& env, const SectionReader& r, CloudProviderConfig& c) {
  if (r.has("base_url")) {
    r.string("base_url", c.base_url);
    c.base_url_env.clear();
  }
  r.string("base_url_env", c.base_url_env);
  if (r.has("base_url_env")) c.base_url = env_or(env, c.base_url_env, "");
  r.string("api_key_env", c.api_key_env);
  r.string("model", c.model);
  r.string("default_voice", c.default_voice);
  r.string("voice_table", c.voice_table);
  if (!builtin_voice_table(c.voice_table)) {
    r.fail("voice_table", "must be elevenlabs, openai, ghaymah, ghaymah_pro, kokoro or none");
  }
  if (const auto* node = r.table().get("voices")) {
    const auto* voices = node->as_table();
    if (!voices) r.fail("voices", "must be a table of name = \"id\"");
    for (const auto& [name, id] : *voices) {
      auto v = id.value<std::string>();
      if (!id.is_string() || !v || v->empty()) {
        r.fail("voices." + std::string(name.str()), "must be a non-empty string (the voice id)");
      }
      c.voices[std::string(name.str())] = *v;
    }
  }
  r.boolean("accept_any_voice", c.accept_any_voice);
  r.string("output_format", c.output_format);
  r.number("speed", c.speed, 0.25, 4.0);
  if (const auto* node = r.table().get("native_speed")) {
    const auto* pair = node->as_array();
    if (!pair || pair->size() != 2) r.fail("native_speed", "must be [min, max]");
    r.number_of("native_speed", *pair->get(0), c.native_speed.min, 0.1, 10.0);
    r.number_of("native_speed", *pair->get(1), c.native_speed.max, 0.1, 10.0);
    if (c.native_speed.min > c.native_speed.max) {
      r.fail("native_speed", "min must not be above max");
    }
  }
  r.string("instructions", c.instructions);
  r.string("organization", c.organization);
  r.string("project", c.project);
  if (r.has("enable_logging")) {
    bool logging = true;
    r.boolean("enable_logging", logging);
    c.enable_logging = logging;
  }
  if (const auto* node = r.table().get("voice_settings")) {
    const auto* vs = node->as_table();
    if (!vs) r.fail("voice_settings", "must be a table");
    for (const auto& [key, value] : *vs) {
      const std::string k(key.str());
      const std::string full = "voice_settings." + k;
      double number = 0;
      if (k == "use_speaker_boost") {
        if (!value.is_boolean()) r.fail(full, "must be true or false");
        c.voice_settings.use_speaker_boost = value.as_boolean()->get();
      } else if (k == "stability" || k == "similarity_boost" || k == "style") {
        r.number_of(full, value, number, 0.0, 1.0);
        (k == "stability"          ? c.voice_settings.stability
         : k == "similarity_boost" ? c.voice_settings.similarity_boost
                                   : c.voice_settings.style) = number;
      } else if (k == "speed") {
        r.number_of(full, value, number, 0.5, 2.0);
        c.voice_settings.speed = number;
      } else {
        r.fail(full, "unknown setting");
      }
    }
  }
  long long value = c.voices_cache_ttl.count();
  r.integer("voices_cache_seconds", value, 0, 86400 * 7);
  c.voices_cache_ttl = std::chrono::seconds(value);
  value = c.settings.max_concurrency;
  r.integer("max_concurrency", value, 0, 10000);
  c.settings.max_concurrency = static_cast<int>(value);
  value = c.settings.connect_timeout.count();
  r.integer("connect_timeout_ms", value, 1, 600'000);
  c.settings.connect_timeout = std::chrono::milliseconds(value);
  value = c.settings.request_timeout.count();
  r.integer("timeout_ms", value, 1, 3'600'000);
  c.settings.request_timeout = std::chrono::milliseconds(value);
  if (r.has("max_request_chars")) {
    value = 0;
    r.integer("max_request_chars", value, 0, 10'000'000);
    c.max_request_chars = static_cast<std::size_t>(value);
  }
  if (const auto* node = r.table().get("fallback")) {
    const auto* list = node->as_array();
    if (!list) r.fail("fallback", "must be an array of { provider, voice }");
    c.settings.fallback.clear();
    for (const auto& item : *list) {
      const auto* entry = item.as_table();
      auto provider = entry ? (*entry)["provider"].value<std::string>() : std::nullopt;
      auto voice = entry ? (*entry)["voice"].value<std::string>() : std::nullopt;
      if (!provider || provider->empty()) {
        r.fail("fallback", "each entry needs provider = \"name\" (and optionally voice)");
      }
      c.settings.fallback.push_back({*provider, voice.value_or("default")});
    }
  }
}

}  // namespace

std::string cache_identity(const CloudProviderConfig& c) {
  std::ostringstream out;
  auto optional = [&out](const auto& value) {
    if (value) {
      out << *value;
    } else {
      out << '-';
    }
    out << '|';
  };
  out << c.kind << '|' << c.base_url << '|' << c.model << '|' << c.output_format << '|' << c.speed
      << '|' << c.instructions << '|';
  optional(c.voice_settings.stability);
  optional(c.voice_settings.similarity_boost);
  optional(c.voice_settings.style);
  optional(c.voice_settings.use_speaker_boost);
  optional(c.voice_settings.speed);
  return out.str();
}

std::string env_or(const EnvLookup& env, const std::string& key, const std::string& fallback) {
  auto v = env(key);
  return v && !v->empty() ? *v : fallback;
}

std::string config_file_text(const EnvLookup& env) {
  const std::string path = env_or(env, "POLYVOX_CONFIG", "");
  if (path.empty()) return "";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("POLYVOX_CONFIG: cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

ProvidersConfig load_providers_config(const ProviderKinds& kinds, const EnvLookup& env) {
  return load_providers_config(kinds, env, config_file_text(env),
                               env_or(env, "POLYVOX_CONFIG", ""));
}

ProvidersConfig load_providers_config(const ProviderKinds& kinds, const EnvLookup& env,
                                      std::string_view toml_text, const std::string& source) {
  std::vector<CloudProviderConfig> configs = builtins(kinds, env);
  std::set<std::string> chars_given;  // names whose section sets max_request_chars

  toml::table doc;
  if (!toml_text.empty()) {
    try {
      doc = toml::parse(toml_text, source);
    } catch (const toml::parse_error& e) {
      std::ostringstream where;
      where << e.source().begin;
      throw std::invalid_argument(source + ": " + std::string(e.description()) + " (" +
                                  where.str() + ")");
    }
  }
  for (const auto& [key, value] : doc) {
    // [openai]: the /v1 model and voice mapping (providers/speech_mapping_config.h).
    if (key.str() != "providers" && key.str() != "openai") {
      throw std::invalid_argument(source + ": unknown table or key '" + std::string(key.str()) +
                                  "' (provider instances go under [providers.<name>], the /v1 "
                                  "mapping under [openai])");
    }
  }
  std::vector<std::string> removed;
  if (const auto* providers = doc["providers"].as_table()) {
    for (const auto& [key, node] : *providers) {
      const std::string name(key.str());
      const auto* table = node.as_table();
      if (!table) {
        throw std::invalid_argument(source + ": providers." + name + " must be a table");
      }
      if (name == "espeak" || name == "flite") {
        throw std::invalid_argument(source + ": [providers." + name +
                                    "] is a local provider and takes no configuration");
      }
      SectionReader reader(source, name, *table);
      auto existing = std::find_if(configs.begin(), configs.end(),
                                   [&name](const auto& c) { return c.name == name; });
      std::string kind;
      reader.string("kind", kind);
      if (existing == configs.end()) {
        if (kind.empty()) reader.fail("kind", "is required for a new provider");
        const ProviderKind* declared = kinds.find(kind);
        if (!declared) reader.fail("kind", "must be " + kinds.names_as_choice());
        configs.push_back(instance_of(*declared, name));
        existing = std::prev(configs.end());
      } else if (!kind.empty() && kind != existing->kind) {
        reader.fail("kind", "must be " + existing->kind + " for the built-in provider " + name);
      }
      bool enabled = true;
      reader.boolean("enabled", enabled);
      if (!enabled) {
        removed.push_back(name);
        continue;
      }
      if (reader.has("max_request_chars")) chars_given.insert(name);
      apply_section(env, reader, *existing);
      if (existing->base_url.empty() && existing->base_url_env.empty()) {
        reader.fail("base_url", "is required (or base_url_env)");
      }
      if (!accepts_output_format(*kinds.find(existing->kind), existing->output_format)) {
        reader.fail("output_format",
                    "'" + existing->output_format + "' is not supported for " + existing->kind);
      }
    }
  }

  ProvidersConfig out;
  for (auto& c : configs) {
    if (std::find(removed.begin(), removed.end(), c.name) != removed.end()) continue;
    const ProviderKind& kind = *kinds.find(c.kind);  // every instance is of a registered kind
    if (kind.finish) kind.finish(c, chars_given.count(c.name) > 0);
    c.base_url = strip_trailing_slashes(c.base_url);
    const bool table_empty = builtin_voice_table(c.voice_table)->empty() && c.voices.empty();
    if (table_empty) c.accept_any_voice = true;

    std::vector<std::string> missing;
    resolve_secrets(env, c, missing);
    if (c.base_url.empty()) missing.push_back(c.base_url_env);
    c.unusable_reason = not_set_reason(missing);
    out.providers.push_back(std::move(c));
  }
  return out;
}

}  // namespace polyvox
