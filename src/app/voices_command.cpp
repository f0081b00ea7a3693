#include <cstdio>
#include <iostream>
#include <string>

#include "app/api_client.h"
#include "app/commands.h"
#include "app/composition_root.h"
#include "providers/voice_scripts.h"

namespace polyvox {

int run_voices(const std::string& provider_name, const Config& config) {
  auto providers = open_providers(config);
  std::vector<std::string> names;
  if (provider_name.empty()) {
    names = providers->usable_providers();
  } else if (providers->find(provider_name)) {
    names.push_back(provider_name);
  } else {
    std::cerr << "polyvox voices: provider '" << provider_name << "' cannot be used ("
              << providers->unusable_reason(provider_name) << "); available providers:";
    for (const auto& n : providers->usable_providers()) std::cerr << " " << n;
    std::cerr << "\n";
    return 2;
  }
  std::printf("%-10s %-28s %-24s %-16s %-26s %s\n", "PROVIDER", "VOICE", "ID", "LANGUAGE",
              "SCRIPTS", "GENDER");
  for (const auto& name : names) {
    for (const auto& v : providers->find(name)->live_voices()) {
      // The scripts it reads; "any" for a multilingual vendor voice.
      std::string scripts;
      for (const auto& s : voice_scripts_of(v, providers->kind_of(name))) {
        scripts += (scripts.empty() ? "" : ",") + s;
      }
      // A vendor's live list is its text: no control character reaches the terminal.
      std::printf("%-10s %-28s %-24s %-16s %-26s %s\n", name.c_str(),
                  terminal_safe(v.name, 200).c_str(), terminal_safe(v.voice_id, 200).c_str(),
                  terminal_safe(v.language, 64).c_str(), scripts.empty() ? "any" : scripts.c_str(),
                  terminal_safe(v.gender, 64).c_str());
    }
  }
  return 0;
}

}  // namespace polyvox
