// The registries by name and the composition root's registrations: lookups, the names error
// messages offer (generated from the registry, in registration order), and wiring choosing by
// name through them.
#include "app/registrations.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "app/config.h"
#include "app/wiring.h"
#include "core/ids.h"
#include "core/named_registry.h"

namespace polyvox {
namespace {

struct Named {
  std::string name;
  int value = 0;
};

TEST(NamedRegistryTest, FindsByExactNameInRegistrationOrder) {
  NamedRegistry<Named> registry;
  EXPECT_EQ(registry.names_as_choice(), "");
  registry.add({"b", 1});
  EXPECT_EQ(registry.names_as_choice(), "b");
  registry.add({"a", 2});
  EXPECT_EQ(registry.names_as_choice(), "b or a");
  registry.add({"c", 3});
  EXPECT_EQ(registry.names_as_choice(), "b, a or c");
  ASSERT_NE(registry.find("a"), nullptr);
  EXPECT_EQ(registry.find("a")->value, 2);
  EXPECT_EQ(registry.find("A"), nullptr);
  EXPECT_EQ(registry.find(""), nullptr);
  ASSERT_EQ(registry.all().size(), 3u);
  EXPECT_EQ(registry.all()[0].name, "b");
}

TEST(NamedRegistryTest, RefusesDuplicateAndEmptyNames) {
  NamedRegistry<Named> registry;
  registry.add({"a", 1});
  EXPECT_THROW(registry.add({"a", 2}), std::logic_error);
  EXPECT_THROW(registry.add({"", 3}), std::logic_error);
  ASSERT_EQ(registry.all().size(), 1u);
  EXPECT_EQ(registry.find("a")->value, 1);
}

TEST(NamedRegistryTest, TheKindsOfATemporaryRegistryOutliveIt) {
  auto make = [] {
    NamedRegistry<Named> registry;
    registry.add({"a", 1});
    registry.add({"b", 2});
    return registry;
  };
  std::vector<std::string> names;
  for (const Named& kind : make().all()) names.push_back(kind.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b"}));
}

TEST(RegistrationsTest, EachSeamListsItsImplementationsInOrder) {
  EXPECT_EQ(provider_kinds().names_as_choice(), "elevenlabs, openai, ghaymah_pro or kokoro");
  EXPECT_EQ(local_provider_kinds().names_as_choice(), "espeak or flite");
  EXPECT_EQ(blob_store_kinds().names_as_choice(), "local, s3 or cloudinary");
  EXPECT_EQ(diacritizer_kinds().names_as_choice(), "embedded, http or none");
}

class WiringByNameTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("polyvox-registrations-" + random_hex(6));
    env_.set_for_test("POLYVOX_DATA_DIR", dir_.string());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The message build_diacritizer throws, or "" when it builds one.
  std::string diacritizer_error() {
    try {
      (void)build_diacritizer(load_config(env_));
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "";
  }

  std::filesystem::path dir_;
  Environment env_;
};

TEST_F(WiringByNameTest, UnknownStorageBackendNamesTheChoices) {
  env_.set_for_test("STORAGE_BACKEND", "ftp");
  auto store = build_blob_store(load_config(env_));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(store.error().to_string(),
            "STORAGE_BACKEND: must be local, s3 or cloudinary (got 'ftp')");
}

TEST_F(WiringByNameTest, UnknownMirrorBackendIsRefusedAlike) {
  env_.set_for_test("STORAGE_MIRRORING", "true");
  env_.set_for_test("STORAGE_MIRROR_BACKEND", "tape");
  auto store = build_blob_store(load_config(env_));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().to_string(),
            "STORAGE_BACKEND: must be local, s3 or cloudinary (got 'tape')");
}

TEST_F(WiringByNameTest, DiacritizersByName) {
  env_.set_for_test("DIACRITIZER", "magic");
  EXPECT_EQ(diacritizer_error(), "DIACRITIZER must be embedded, http or none (got 'magic')");

  env_.set_for_test("DIACRITIZER", "http");
  EXPECT_EQ(diacritizer_error(), "DIACRITIZER=http needs DIACRITIZER_URL");

  env_.set_for_test("DIACRITIZER", "embedded");
  env_.set_for_test("POLYVOX_MODELS_DIR", dir_.string());
  EXPECT_EQ(diacritizer_error(), "diacritizer model file " + dir_.string() +
                                     "/arabic_diacritizer.bin not found (POLYVOX_MODELS_DIR, or "
                                     "DIACRITIZER=none)");

  env_.set_for_test("DIACRITIZER", "none");
  auto none = build_diacritizer(load_config(env_));
  EXPECT_EQ(none->name(), "none");
  EXPECT_EQ(none->diacritize("كتب").value(), "كتب");

  env_.set_for_test("DIACRITIZER", "http");
  env_.set_for_test("DIACRITIZER_URL", "http://127.0.0.1:9/diacritize");
  EXPECT_EQ(build_diacritizer(load_config(env_))->name(), "http");
}

TEST_F(WiringByNameTest, ProvidersAreBuiltByTheirKinds) {
  env_.set_for_test("OPENAI_API_KEY", "sk-test");
  env_.set_for_test("OPENAI_BASE_URL", "http://127.0.0.1:9/v1");
  SystemClock clock;
  auto registry = build_providers(load_config(env_), clock);
  ASSERT_NE(registry->find("openai"), nullptr);
  EXPECT_EQ(registry->find("openai")->kind(), "openai");
  EXPECT_EQ(registry->settings_of("openai").max_concurrency, 32);  // a ceiling
  EXPECT_EQ(registry->kind_of("ghaymah"), "openai");
  EXPECT_EQ(registry->unusable_reason("ghaymah"),
            "GHAYMAH_API_KEY and GHAYMAH_API_BASE_URL are not set");
  for (const LocalProviderKind& local : local_provider_kinds().all()) {
    EXPECT_EQ(registry->kind_of(local.name), local.name);
  }
}

}  // namespace
}  // namespace polyvox
