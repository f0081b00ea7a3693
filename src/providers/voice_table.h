// Voice name -> id tables of the cloud providers: the built-in ones (the seed's ElevenLabs names,
// OpenAI's voices, the 322 Ghaymah voices, Ghaymah Pro's four, Kokoro's default) and the names a
// configuration adds.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "providers/provider.h"
#include "providers/provider_config.h"

namespace polyvox {

// Not thread-safe to modify; const methods are safe for concurrent use.
class VoiceTable {
 public:
  // Adds `voice`; its name is matched case-insensitively, its id exactly. A later voice with the
  // same name replaces the earlier one.
  void add(VoiceInfo voice);
  // What "default" resolves to: a name or an id of this table.
  void set_default(std::string name_or_id) { default_ = std::move(name_or_id); }
  // Whether a voice that is neither a name nor an id here is passed through as an id (for
  // OpenAI-compatible servers whose voices are not known in advance).
  void set_accept_any(bool accept) { accept_any_ = accept; }

  // The id for `voice` (a name in any case, an id, or "default"); nullopt when unknown.
  std::optional<std::string> resolve(std::string_view voice) const;
  // The id of `voice` when it is one of this table's names (any case) or ids; nullopt otherwise,
  // whatever set_accept_any says (a provider that also knows voices of its own asks this).
  std::optional<std::string> find(std::string_view voice) const { return lookup(voice); }
  const std::vector<VoiceInfo>& voices() const { return voices_; }
  const std::string& default_voice() const { return default_; }

 private:
  std::optional<std::string> lookup(std::string_view voice) const;

  std::vector<VoiceInfo> voices_;
  std::map<std::string, std::size_t, std::less<>> by_name_;  // lower-case name -> index
  std::set<std::string, std::less<>> ids_;
  std::string default_;
  bool accept_any_ = false;
};

// A built-in table by name: "elevenlabs", "openai", "ghaymah", "ghaymah_pro", "kokoro" or "none"
// (empty); nullopt for any other name.
std::optional<std::vector<VoiceInfo>> builtin_voice_table(std::string_view name);

// The table a configured instance speaks with: its built-in table (config.voice_table), the
// names its configuration adds, its default voice and whether it accepts any voice.
// REQUIRES: config.voice_table names a built-in table.
VoiceTable voice_table_for(const CloudProviderConfig& config);

// The 322 Ghaymah voice names (Azure-style "ar-SA-HamedNeural"), as shipped by the seed.
const std::vector<std::string>& ghaymah_voice_names();

}  // namespace polyvox
