#include "core/speech_mapping.h"

#include <algorithm>
#include <optional>

namespace polyvox {
namespace {

Error not_found(const std::string& field, std::string message) {
  return Error{ErrorKind::kNotFound, std::move(message), field};
}

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// The provider instance `target` names: "name", or "name/model" / "kind/model" matched against
// the configured models; nullopt when nothing is configured under it.
std::optional<std::string> provider_of(const SpeechMapping& mapping,
                                       const ProviderDirectory& providers,
                                       std::string_view target) {
  const auto slash = target.find('/');
  if (slash == std::string_view::npos) {
    if (providers.unusable_reason(target) == "unknown provider") return std::nullopt;
    return std::string(target);
  }
  const std::string_view who = target.substr(0, slash);
  const std::string_view model = target.substr(slash + 1);
  const ProviderModel* by_kind = nullptr;
  for (const ProviderModel& p : mapping.provider_models) {
    if (p.model != model) continue;
    if (p.provider == who) return p.provider;
    const bool usable = providers.unusable_reason(p.provider).empty();
    if (p.kind == who &&
        (!by_kind || (usable && !providers.unusable_reason(by_kind->provider).empty()))) {
      by_kind = &p;
    }
  }
  if (by_kind) return by_kind->provider;
  return std::nullopt;
}

// "provider:voice" when the part before ':' is a known provider, else nullopt.
std::optional<VoiceChoice> direct_choice(const ProviderDirectory& providers, std::string_view v) {
  const auto colon = v.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  const std::string_view provider = v.substr(0, colon);
  if (providers.unusable_reason(provider) == "unknown provider") return std::nullopt;
  const std::string_view voice = v.substr(colon + 1);
  return VoiceChoice{std::string(provider), voice.empty() ? "default" : std::string(voice)};
}

}  // namespace

const std::vector<std::string>& openai_voice_names() {
  static const std::vector<std::string> kNames = {"alloy", "ash",   "ballad", "coral", "echo",
                                                  "fable", "nova",  "onyx",   "sage",  "shimmer",
                                                  "verse", "marin", "cedar"};
  return kNames;
}

SpeechMapping default_speech_mapping() {
  // espeak variants and flite voices shared out so that each name sounds like its description
  // (female: alloy, coral, nova, sage, shimmer, marin; male: ash, ballad, echo, fable, onyx,
  // verse, cedar).
  struct Default {
    const char* name;
    const char* espeak;
    const char* variant;
    const char* flite;
  };
  static constexpr Default kVoices[] = {
      {"alloy", "en-us", "f3", "slt"}, {"ash", "en-us", "m3", "rms"},
      {"ballad", "en", "m2", "awb"},   {"coral", "en-us", "f4", "slt"},
      {"echo", "en-us", "m1", "rms"},  {"fable", "en", "m4", "awb"},
      {"nova", "en-us", "f2", "slt"},  {"onyx", "en-us", "m7", "kal16"},
      {"sage", "en-us", "f1", "slt"},  {"shimmer", "en-us", "f5", "slt"},
      {"verse", "en", "m5", "awb"},    {"marin", "en-us", "f4", "slt"},
      {"cedar", "en-us", "m6", "rms"},
  };
  SpeechModelRoute espeak{"espeak", {}, "espeak:ar", {}};
  SpeechModelRoute flite{"flite", {}, "espeak:ar", {}};
  for (const Default& d : kVoices) {
    espeak.voices[d.name] = std::string(d.espeak) + "+" + d.variant;
    flite.voices[d.name] = d.flite;
    const std::string arabic = std::string("espeak:ar+") + d.variant;
    espeak.arabic_voices[d.name] = arabic;
    flite.arabic_voices[d.name] = arabic;
  }
  SpeechMapping mapping;
  mapping.models["tts-1"] = espeak;
  mapping.models["tts-1-hd"] = flite;
  mapping.models["gpt-4o-mini-tts"] = flite;
  return mapping;
}

Result<SpeechVoices> resolve_speech_voices(const SpeechMapping& mapping,
                                           const ProviderDirectory& providers,
                                           std::string_view model, std::string_view voice) {
  const auto route_it = mapping.models.find(std::string(model));
  const SpeechModelRoute* route = route_it == mapping.models.end() ? nullptr : &route_it->second;
  const std::string_view target = route ? std::string_view(route->provider) : model;
  const auto provider = provider_of(mapping, providers, target);
  if (!provider) {
    auto usable = usable_speech_models(mapping, providers);
    std::string list;
    for (std::size_t i = 0; i < usable.size() && i < 12; ++i) list += (i ? ", " : "") + usable[i];
    return not_found("model",
                     "the model " + quoted(model) + " does not exist; available models: " + list);
  }
  if (const std::string why = providers.unusable_reason(*provider); !why.empty()) {
    return not_found("model", "the model " + quoted(model) + " cannot be used: provider " +
                                  quoted(*provider) + " " + why);
  }

  if (auto direct = direct_choice(providers, voice)) return SpeechVoices{*direct, *direct};
  SpeechVoices out;
  out.other.provider = *provider;
  out.other.voice = std::string(voice);
  if (route) {
    if (auto it = route->voices.find(out.other.voice); it != route->voices.end()) {
      out.other.voice = it->second;
    }
  }
  out.arabic = out.other;
  if (route) {
    const auto it = route->arabic_voices.find(std::string(voice));
    const std::string& arabic = it != route->arabic_voices.end() ? it->second : route->arabic;
    if (!arabic.empty()) {
      auto choice = direct_choice(providers, arabic);
      // The file's loader checks the form; a provider it did not know is named here.
      out.arabic = choice ? *choice : VoiceChoice{arabic.substr(0, arabic.find(':')), "default"};
    }
  }
  return out;
}

Status check_speech_choice(const VoiceChoice& choice, const ProviderDirectory& providers) {
  if (const std::string why = providers.unusable_reason(choice.provider); !why.empty()) {
    return not_found("voice", "the voice " + quoted(choice.voice) + " cannot be used: provider " +
                                  quoted(choice.provider) + " " + why);
  }
  if (!providers.has_voice(choice.provider, choice.voice)) {
    std::string examples;
    const auto voices = providers.example_voices(choice.provider);
    for (std::size_t i = 0; i < voices.size() && i < 10; ++i) {
      examples += (i ? ", " : "") + voices[i];
    }
    return not_found("voice", "the voice " + quoted(choice.voice) +
                                  " does not exist for provider " + quoted(choice.provider) +
                                  "; its voices include: " + examples);
  }
  return Status::success();
}

std::vector<std::string> usable_speech_models(const SpeechMapping& mapping,
                                              const ProviderDirectory& providers) {
  std::vector<std::string> out;
  auto add = [&out](std::string name) {
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
  };
  for (const auto& [name, route] : mapping.models) {
    const auto provider = provider_of(mapping, providers, route.provider);
    if (provider && providers.unusable_reason(*provider).empty()) add(name);
  }
  for (const std::string& provider : providers.usable_providers()) add(provider);
  for (const ProviderModel& p : mapping.provider_models) {
    if (!p.model.empty() && providers.unusable_reason(p.provider).empty()) {
      add(p.provider + "/" + p.model);
    }
  }
  return out;
}

}  // namespace polyvox
