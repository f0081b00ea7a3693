// Configurations of the cloud providers pointing at the mock vendors, for provider tests: the
// kinds src/app registers, configured as the service would be.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "../../support/mock_vendors.h"
#include "app/registrations.h"
#include "providers/provider_config.h"

namespace polyvox::test_support {

using EnvMap = std::map<std::string, std::string>;

// The environment that points every built-in cloud provider at `mocks`.
inline EnvMap mock_env(const MockVendors& mocks) {
  return {{"ELEVENLABS_BASE_URL", mocks.url("elevenlabs")},
          {"ELEVENLABS_API_KEY", mocks.key("elevenlabs")},
          {"OPENAI_BASE_URL", mocks.url("openai")},
          {"OPENAI_API_KEY", mocks.key("openai")},
          {"GHAYMAH_API_BASE_URL", mocks.url("ghaymah")},
          {"GHAYMAH_API_KEY", mocks.key("ghaymah")},
          {"GHAYMAH_PRO_API_BASE_URL", mocks.url("ghaymah_pro")},
          {"GHAYMAH_PRO_API_KEY", mocks.key("ghaymah_pro")},
          {"KOKORO_API_BASE_URL", mocks.url("kokoro")}};
}

inline ProvidersConfig config_from(const EnvMap& env, const std::string& toml = "") {
  return load_providers_config(
      provider_kinds(),
      [env](const std::string& key) -> std::optional<std::string> {
        auto it = env.find(key);
        if (it == env.end()) return std::nullopt;
        return it->second;
      },
      toml, "test.toml");
}

// The configuration of provider `name`. REQUIRES: it exists.
inline CloudProviderConfig provider_config(const ProvidersConfig& config, const std::string& name) {
  for (const auto& c : config.providers) {
    if (c.name == name) return c;
  }
  ADD_FAILURE() << "no provider " << name;
  return {};
}

// Mock vendors shared by the tests of one suite, their logs reset before each test.
class MockVendorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!mocks_) mocks_ = std::make_unique<MockVendors>();
  }
  static void TearDownTestSuite() { mocks_.reset(); }
  void SetUp() override { mocks_->reset_all(); }

  // The configuration of `name` from the mocks' environment plus `extra` and `toml`.
  static CloudProviderConfig configured(const std::string& name, const EnvMap& extra = {},
                                        const std::string& toml = "") {
    EnvMap env = mock_env(*mocks_);
    for (const auto& [k, v] : extra) env[k] = v;
    return provider_config(config_from(env, toml), name);
  }

  static inline std::unique_ptr<MockVendors> mocks_;
  std::shared_ptr<const http::HttpClient> http_ = std::make_shared<http::HttpClient>();
};

}  // namespace polyvox::test_support
