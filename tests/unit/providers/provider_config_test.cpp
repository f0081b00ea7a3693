#include "providers/provider_config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "../../support/audio_fixtures.h"
#include "app/config.h"
#include "app/wiring.h"
#include "cloud_test_env.h"
#include "core/utf8.h"
#include "providers/vendor_response.h"

namespace polyvox {
namespace {

using test_support::config_from;
using test_support::EnvMap;
using test_support::provider_config;

TEST(ProviderConfigTest, WithoutEnvironmentEveryBuiltInIsListedUnusableWithTheReason) {
  const ProvidersConfig config = config_from({});
  std::vector<std::string> names;
  for (const auto& c : config.providers) names.push_back(c.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"elevenlabs", "openai", "ghaymah", "ghaymah_pro", "kokoro"}));
  EXPECT_EQ(provider_config(config, "elevenlabs").unusable_reason, "ELEVENLABS_API_KEY is not set");
  EXPECT_EQ(provider_config(config, "openai").unusable_reason, "OPENAI_API_KEY is not set");
  EXPECT_EQ(provider_config(config, "ghaymah").unusable_reason,
            "GHAYMAH_API_KEY and GHAYMAH_API_BASE_URL are not set");
  EXPECT_EQ(provider_config(config, "ghaymah_pro").unusable_reason,
            "GHAYMAH_PRO_API_KEY and GHAYMAH_PRO_API_BASE_URL are not set");
  EXPECT_EQ(provider_config(config, "kokoro").unusable_reason, "KOKORO_API_BASE_URL is not set");
}

TEST(ProviderConfigTest, SeedVariablesAndDefaults) {
  const ProvidersConfig config = config_from({{"ELEVENLABS_API_KEY", "k1"},
                                              {"OPENAI_API_KEY", "k2"},
                                              {"OPENAI_BASE_URL", "http://localhost:9/v1/"},
                                              {"KOKORO_API_BASE_URL", "http://kokoro.local/tts"}});
  const auto eleven = provider_config(config, "elevenlabs");
  EXPECT_EQ(eleven.unusable_reason, "");
  EXPECT_EQ(eleven.kind, "elevenlabs");
  EXPECT_EQ(eleven.base_url, "https://api.elevenlabs.io");
  EXPECT_EQ(eleven.api_key, "k1");
  EXPECT_EQ(eleven.model, "eleven_multilingual_v2");
  EXPECT_EQ(eleven.output_format, "mp3_44100_128");
  EXPECT_EQ(eleven.max_request_chars, 10'000u);
  EXPECT_EQ(eleven.settings.max_concurrency, 32);  // a ceiling (adaptive_limit.h)
  EXPECT_EQ(eleven.settings.request_timeout, std::chrono::milliseconds(120'000));

  const auto openai = provider_config(config, "openai");
  EXPECT_EQ(openai.base_url, "http://localhost:9/v1");  // trailing slash dropped
  EXPECT_EQ(openai.model, "tts-1");
  EXPECT_EQ(openai.max_request_chars, 4096u);
  EXPECT_EQ(openai.settings.max_concurrency, 32);
  EXPECT_EQ(openai.settings.connect_timeout, std::chrono::milliseconds(10'000));

  const auto kokoro = provider_config(config, "kokoro");
  EXPECT_EQ(kokoro.unusable_reason, "");
  EXPECT_EQ(kokoro.base_url, "http://kokoro.local/tts");
  EXPECT_EQ(kokoro.api_key_env, "");
  EXPECT_EQ(provider_config(config, "ghaymah").kind, "openai");
}

TEST(ProviderConfigTest, ElevenLabsLimitFollowsTheModel) {
  EXPECT_EQ(
      provider_config(config_from({{"ELEVENLABS_MODEL_ID", "eleven_turbo_v2_5"}}), "elevenlabs")
          .max_request_chars,
      40'000u);
  EXPECT_EQ(provider_config(config_from({{"ELEVENLABS_MODEL_ID", "eleven_v3"}}), "elevenlabs")
                .max_request_chars,
            3'000u);
  EXPECT_EQ(provider_config(config_from({},
                                        "[providers.elevenlabs]\nmodel = \"eleven_v3\"\n"
                                        "max_request_chars = 2500\n"),
                            "elevenlabs")
                .max_request_chars,
            2'500u);
}

TEST(ProviderConfigTest, FileDeclaresInstancesAndAdjustsBuiltIns) {
  const std::string toml = R"(
[providers.elevenlabs]
max_concurrency = 2
timeout_ms = 30000
connect_timeout_ms = 2000
fallback = [{ provider = "openai", voice = "nova" }, { provider = "espeak" }]

[providers.local_tts]
kind = "openai"
base_url_env = "LOCAL_TTS_URL"
api_key_env = "LOCAL_TTS_KEY"
output_format = "wav"

[providers.kokoro]
enabled = false
)";
  const ProvidersConfig config =
      config_from({{"ELEVENLABS_API_KEY", "k"}, {"LOCAL_TTS_URL", "http://tts.lan/v1"}}, toml);
  const auto eleven = provider_config(config, "elevenlabs");
  EXPECT_EQ(eleven.settings.max_concurrency, 2);
  EXPECT_EQ(eleven.settings.request_timeout, std::chrono::milliseconds(30'000));
  EXPECT_EQ(eleven.settings.connect_timeout, std::chrono::milliseconds(2'000));
  ASSERT_EQ(eleven.settings.fallback.size(), 2u);
  EXPECT_EQ(eleven.settings.fallback[0].provider, "openai");
  EXPECT_EQ(eleven.settings.fallback[0].voice, "nova");
  EXPECT_EQ(eleven.settings.fallback[1].voice, "default");

  const auto local = provider_config(config, "local_tts");
  EXPECT_EQ(local.kind, "openai");
  EXPECT_EQ(local.base_url, "http://tts.lan/v1");
  EXPECT_EQ(local.output_format, "wav");
  EXPECT_EQ(local.unusable_reason, "LOCAL_TTS_KEY is not set");
  EXPECT_EQ(local.max_request_chars, 4096u);

  for (const auto& c : config.providers) EXPECT_NE(c.name, "kokoro");
}

TEST(ProviderConfigTest, RefusesKeysInTheFileAndMalformedSettings) {
  auto error_of = [](const std::string& toml) -> std::string {
    try {
      config_from({}, toml);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(error_of("[providers.openai]\napi_key = \"sk-123\"\n").find("api_key_env"),
            std::string::npos);
  EXPECT_NE(error_of("[providers.openai]\nmax_concurency = 3\n").find("max_concurency: unknown"),
            std::string::npos);
  EXPECT_NE(error_of("[providers.x]\nbase_url = \"http://x\"\n").find("kind: is required"),
            std::string::npos);
  EXPECT_NE(error_of("[providers.x]\nkind = \"polly\"\nbase_url = \"http://x\"\n").find("kind"),
            std::string::npos);
  EXPECT_NE(error_of("[providers.x]\nkind = \"openai\"\n").find("base_url: is required"),
            std::string::npos);
  EXPECT_NE(error_of("[providers.openai]\noutput_format = \"mp4\"\n").find("output_format"),
            std::string::npos);
  EXPECT_NE(
      error_of("[providers.elevenlabs]\noutput_format = \"ulaw_8000\"\n").find("not supported"),
      std::string::npos);
  EXPECT_NE(error_of("[providers.openai]\nspeed = 9\n").find("speed"), std::string::npos);
  // NaN passes any comparison: it and the infinities are refused by name.
  for (const char* bad : {"speed = nan", "speed = inf", "speed = -inf",
                          "voice_settings.stability = nan", "native_speed = [nan, nan]"}) {
    const std::string error = error_of(std::string("[providers.elevenlabs]\n") + bad + "\n");
    EXPECT_NE(error.find(std::string(bad).substr(0, std::string(bad).find(' '))), std::string::npos)
        << bad << ": " << error;
  }
  EXPECT_NE(error_of("[providers.openai]\nkind = \"kokoro\"\n").find("must be openai"),
            std::string::npos);
  EXPECT_NE(error_of("[providers.espeak]\nmax_concurrency = 1\n").find("local provider"),
            std::string::npos);
  EXPECT_NE(error_of("[provider.openai]\n").find("unknown table"), std::string::npos);
  const std::string syntax = error_of("[providers.openai\n");
  EXPECT_EQ(syntax.rfind("test.toml: ", 0), 0u) << syntax;
  EXPECT_THROW(config_from({{"ELEVENLABS_OUTPUT_FORMAT", "wav"}}), std::invalid_argument);
}

TEST(ProviderConfigTest, NativeSpeedsComeFromTheKindAndMayBeDeclared) {
  const ProvidersConfig defaults = config_from({});
  EXPECT_EQ(provider_config(defaults, "openai").native_speed, (SpeedRange{0.25, 4.0}));
  EXPECT_EQ(provider_config(defaults, "ghaymah").native_speed, (SpeedRange{0.25, 4.0}));
  EXPECT_EQ(provider_config(defaults, "elevenlabs").native_speed, (SpeedRange{0.7, 1.2}));
  EXPECT_EQ(provider_config(defaults, "ghaymah_pro").native_speed, SpeedRange{});
  EXPECT_EQ(provider_config(defaults, "kokoro").native_speed, SpeedRange{});
  const ProvidersConfig declared =
      config_from({},
                  "[providers.ghaymah]\nnative_speed = [1.0, 1.0]\n"
                  "[providers.ghaymah_pro]\nnative_speed = [0.5, 2]\n");
  EXPECT_EQ(provider_config(declared, "ghaymah").native_speed, SpeedRange{});
  EXPECT_EQ(provider_config(declared, "ghaymah_pro").native_speed, (SpeedRange{0.5, 2.0}));
  for (const char* bad : {"native_speed = 1.0", "native_speed = [1.0]", "native_speed = [2, 1]",
                          "native_speed = [0, 1]", "native_speed = [\"a\", 1]"}) {
    try {
      config_from({}, std::string("[providers.openai]\n") + bad + "\n");
      ADD_FAILURE() << bad << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("native_speed"), std::string::npos) << e.what();
    }
  }
}

TEST(SpeedRangeTest, RelativeToAConfiguredPace) {
  const SpeedRange openai{0.25, 4.0};
  EXPECT_EQ(openai.relative_to(1.0), openai);
  EXPECT_EQ(openai.relative_to(2.0), (SpeedRange{0.125, 2.0}));
  EXPECT_EQ(openai.relative_to(5.0), SpeedRange{});  // a pace it may not honour: none
  EXPECT_EQ(openai.absolute(2.0, 1.0), 2.0);
  EXPECT_EQ(openai.absolute(2.0, 1.5), 3.0);
  EXPECT_EQ(openai.absolute(2.0, 2.0000001), 4.0);  // rounding kept within the range
  EXPECT_EQ(SpeedRange{}.absolute(1.3, 1.0), 1.3);  // the configured pace, as before speeds
}

TEST(ProviderConfigTest, ReadsTheFileNamedByPolyvoxConfig) {
  test_support::TempDir dir;
  const std::string path = (dir / "polyvox.toml").string();
  std::ofstream(path) << "[providers.openai]\nmax_concurrency = 3\n";
  const EnvMap env = {{"POLYVOX_CONFIG", path}};
  const ProvidersConfig config =
      load_providers_config(provider_kinds(), [&env](const std::string& k) {
        auto it = env.find(k);
        return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
      });
  EXPECT_EQ(provider_config(config, "openai").settings.max_concurrency, 3);

  const EnvMap missing = {{"POLYVOX_CONFIG", (dir / "nope.toml").string()}};
  EXPECT_THROW(load_providers_config(provider_kinds(),
                                     [&missing](const std::string& k) {
                                       auto it = missing.find(k);
                                       return it == missing.end()
                                                  ? std::nullopt
                                                  : std::optional<std::string>(it->second);
                                     }),
               std::invalid_argument);
}

TEST(ProviderWiringTest, RegistersUsableProvidersWithSettingsAndUnusableOnesWithReasons) {
  Config config;
  config.providers = config_from(
      {{"ELEVENLABS_API_KEY", "k"}, {"KOKORO_API_BASE_URL", "http://127.0.0.1:9/kokoro"}},
      "[providers.elevenlabs]\nmax_concurrency = 3\n");
  SystemClock clock;
  auto registry = build_providers(config, clock);
  ASSERT_NE(registry->find("elevenlabs"), nullptr);
  EXPECT_EQ(registry->find("elevenlabs")->kind(), "elevenlabs");
  EXPECT_EQ(registry->find("elevenlabs")->max_request_chars(), 10'000u);
  EXPECT_EQ(registry->settings_of("elevenlabs").max_concurrency, 3);
  EXPECT_EQ(registry->find("elevenlabs")->cache_identity(),
            cache_identity(provider_config(config.providers, "elevenlabs")));
  ASSERT_NE(registry->find("kokoro"), nullptr);
  EXPECT_EQ(registry->find("openai"), nullptr);
  EXPECT_EQ(registry->unusable_reason("openai"), "OPENAI_API_KEY is not set");
  EXPECT_EQ(registry->kind_of("ghaymah"), "openai");
  EXPECT_TRUE(registry->has_voice("elevenlabs", "rachel"));
  EXPECT_FALSE(registry->has_voice("openai", "alloy"));
  EXPECT_EQ(registry->find("espeak")->max_request_chars(), 0u);
  const auto all = registry->all_providers();
  EXPECT_NE(std::find(all.begin(), all.end(), "ghaymah_pro"), all.end());
}

TEST(ProviderConfigTest, CacheIdentityChangesWithWhatShapesTheAudio) {
  const auto base = provider_config(config_from({}), "elevenlabs");
  auto other_model = base;
  other_model.model = "eleven_v3";
  auto other_format = base;
  other_format.output_format = "pcm_16000";
  auto other_settings = base;
  other_settings.voice_settings.stability = 0.2;
  auto other_key = base;
  other_key.api_key = "another account";
  EXPECT_NE(cache_identity(base), cache_identity(other_model));
  EXPECT_NE(cache_identity(base), cache_identity(other_format));
  EXPECT_NE(cache_identity(base), cache_identity(other_settings));
  EXPECT_EQ(cache_identity(base), cache_identity(other_key));  // the key changes no audio
  EXPECT_EQ(cache_identity(base).find("another account"), std::string::npos);
  EXPECT_NE(cache_identity(base).find("https://api.elevenlabs.io"), std::string::npos);
}

TEST(VendorErrorTest, ReadsEveryErrorShape) {
  auto parsed = [](const std::string& body) {
    const VendorError e = parse_vendor_error(body);
    return e.code + "|" + e.message;
  };
  EXPECT_EQ(parsed(R"({"detail": {"status": "quota_exceeded", "message": "Over quota"}})"),
            "quota_exceeded|Over quota");
  EXPECT_EQ(parsed(R"({"detail": [{"loc": ["body", "text"], "msg": "field required"}]})"),
            "validation_error|body.text: field required");
  EXPECT_EQ(parsed(R"({"detail": "Not authenticated"})"), "|Not authenticated");
  EXPECT_EQ(parsed(R"({"error": {"message": "Bad", "type": "invalid_request_error",
                       "code": null}})"),
            "invalid_request_error|Bad");
  EXPECT_EQ(parsed(R"({"error": "plain"})"), "|plain");
  EXPECT_EQ(parsed(R"({"message": "top", "code": 7})"), "7|top");
  EXPECT_EQ(parsed("<html>\n<b>502</b> Bad Gateway</html>"),
            "|<html> <b>502</b> Bad Gateway</html>");
  EXPECT_EQ(parse_vendor_error(std::string(1000, 'x')).message.size(), 303u);
}

TEST(VendorErrorTest, ClassifiesStatusesAndCodes) {
  auto kind_of = [](int status, const std::string& body, http::Headers headers = {}) {
    http::HttpClientResponse r;
    r.status = status;
    r.headers = std::move(headers);
    r.body = body;
    return vendor_error("p", r, "").kind;
  };
  EXPECT_EQ(kind_of(429, "{}"), ErrorKind::kRateLimited);
  EXPECT_EQ(kind_of(429, R"({"error": {"code": "insufficient_quota"}})"),
            ErrorKind::kSynthesisFailed);
  EXPECT_EQ(kind_of(401, R"({"detail": {"status": "quota_exceeded"}})"),
            ErrorKind::kSynthesisFailed);
  for (int status : {400, 401, 403, 404, 422}) {
    EXPECT_EQ(kind_of(status, "{}"), ErrorKind::kSynthesisFailed) << status;
  }
  for (int status : {408, 409, 500, 502, 503, 504}) {
    EXPECT_EQ(kind_of(status, "{}"), ErrorKind::kUnavailable) << status;
  }
  EXPECT_EQ(kind_of(400, "{}", {{"x-should-retry", "true"}}), ErrorKind::kUnavailable);
  EXPECT_EQ(kind_of(503, "{}", {{"x-should-retry", "false"}}), ErrorKind::kSynthesisFailed);
}

TEST(VendorErrorTest, RedactsTheSecretEverywhere) {
  http::HttpClientResponse r;
  r.status = 401;
  r.body = R"({"error": {"message": "bad key s3cr3t and s3cr3t"}})";
  const Error e = vendor_error("p", r, "s3cr3t");
  EXPECT_EQ(e.message, "p: HTTP 401: bad key [redacted] and [redacted]");
  EXPECT_EQ(redact("abc", ""), "abc");
}

// A long answer echoing the key: the key is redacted before the message is cut, so that no part
// of it survives a cut through its middle; the cut never splits a character and the result is
// valid UTF-8 whatever the vendor sent.
TEST(VendorErrorTest, MessagesAreRedactedThenCutAtACharacterBoundary) {
  const std::string key = "sk-0123456789abcdef0123456789";
  http::HttpClientResponse r;
  r.status = 401;
  r.body = std::string(290, 'x') + key + " is not a valid key";
  Error e = vendor_error("p", r, key);
  EXPECT_EQ(e.message.find("sk-0123"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("[redacted]"), std::string::npos) << e.message;

  r.body = std::string(299, 'c') + "\xD8\xB9\xD8\xB9 tail";  // a 2-byte letter across byte 300
  e = vendor_error("p", r, "");
  EXPECT_TRUE(is_valid_utf8(e.message)) << e.message;
  r.body = "\xFF\xFE plain bytes";
  e = vendor_error("p", r, "");
  EXPECT_TRUE(is_valid_utf8(e.message)) << e.message;
  EXPECT_NE(e.message.find("plain bytes"), std::string::npos);
}

}  // namespace
}  // namespace polyvox
