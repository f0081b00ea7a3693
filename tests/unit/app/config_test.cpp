// The configuration loader: how a `.env` file's lines are read (quotes, escapes, comments, and
// what is refused naming the line and the key), the integer settings' strict syntax, and the
// settings checked at start against their bounds and each other.
#include "app/config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <stdexcept>
#include <string>

#include "support/audio_fixtures.h"  // TempDir

namespace polyvox {
namespace {

using test_support::TempDir;

// The message Environment::load throws for a `.env` holding `text`, or "" when it loads.
std::string dotenv_error(const TempDir& dir, const std::string& text) {
  std::ofstream(dir / ".env") << text;
  try {
    (void)Environment::load((dir / ".env").string());
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

// The message load_config throws for `env`, or "" when it loads.
std::string config_error(const Environment& env) {
  try {
    (void)load_config(env);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

// Keys no environment sets: the process environment would win over the file.
TEST(DotenvTest, QuotedValueEndsAtItsClosingQuoteAndACommentMayFollow) {
  TempDir dir;
  std::ofstream(dir / ".env") << "# the first admin\n"
                                 "POLYVOX_TEST_DQ=\"hunter2222\"  # first admin\n"
                                 "POLYVOX_TEST_SQ='two words'\t# a tab, then the comment\n"
                                 "POLYVOX_TEST_TIGHT=\"tight\"# no space before it\n"
                                 "POLYVOX_TEST_HASH=\"a # is part of a quoted value\"\n"
                                 "  export POLYVOX_TEST_EXPORTED = \" spaces kept \"  \n"
                                 "POLYVOX_TEST_EMPTY=\"\" # nothing\n";
  const Environment env = Environment::load((dir / ".env").string());
  EXPECT_EQ(env.get("POLYVOX_TEST_DQ"), "hunter2222");
  EXPECT_EQ(env.get("POLYVOX_TEST_SQ"), "two words");
  EXPECT_EQ(env.get("POLYVOX_TEST_TIGHT"), "tight");
  EXPECT_EQ(env.get("POLYVOX_TEST_HASH"), "a # is part of a quoted value");
  EXPECT_EQ(env.get("POLYVOX_TEST_EXPORTED"), " spaces kept ");
  EXPECT_EQ(env.get("POLYVOX_TEST_EMPTY"), "");
}

TEST(DotenvTest, DoubleQuotesTakeEscapedQuotesAndBackslashesSingleQuotesNothing) {
  TempDir dir;
  std::ofstream(dir / ".env") << R"(POLYVOX_TEST_ESCAPED="say \"hi\" \\ C:\dir"  # comment
POLYVOX_TEST_LITERAL='say \"hi\" \\ "double" quotes'
POLYVOX_TEST_TRAILING_BACKSLASH="ends with \\"
)";
  const Environment env = Environment::load((dir / ".env").string());
  EXPECT_EQ(env.get("POLYVOX_TEST_ESCAPED"), R"(say "hi" \ C:\dir)");
  EXPECT_EQ(env.get("POLYVOX_TEST_LITERAL"), R"(say \"hi\" \\ "double" quotes)");
  EXPECT_EQ(env.get("POLYVOX_TEST_TRAILING_BACKSLASH"), R"(ends with \)");
}

TEST(DotenvTest, UnquotedValueEndsAtASpaceThenHash) {
  TempDir dir;
  std::ofstream(dir / ".env") << "POLYVOX_TEST_PLAIN=two words # the comment\n"
                                 "POLYVOX_TEST_FRAGMENT=https://example.test/#part\n"
                                 "POLYVOX_TEST_INNER=a\"b'c\n"
                                 "not a setting\n";
  const Environment env = Environment::load((dir / ".env").string());
  EXPECT_EQ(env.get("POLYVOX_TEST_PLAIN"), "two words");
  EXPECT_EQ(env.get("POLYVOX_TEST_FRAGMENT"), "https://example.test/#part");
  EXPECT_EQ(env.get("POLYVOX_TEST_INNER"), "a\"b'c");
}

TEST(DotenvTest, AnythingButACommentAfterTheClosingQuoteIsRefusedNamingTheLineAndKey) {
  TempDir dir;
  const std::string path = (dir / ".env").string();
  for (const std::string& line : {
           std::string(R"(POLYVOX_TEST_BAD="secret-value" trailing)"),
           std::string(R"(POLYVOX_TEST_BAD='secret-value'trailing)"),
           std::string(R"(POLYVOX_TEST_BAD="secret"value")"),  // a quote inside, not escaped
       }) {
    const std::string error = dotenv_error(dir, "# line 1\nPOLYVOX_TEST_OK=1\n" + line + "\n");
    EXPECT_NE(error.find(path + " line 3 (POLYVOX_TEST_BAD): only whitespace and a # comment "
                                "may follow the value's closing"),
              std::string::npos)
        << line << ": " << error;
    EXPECT_EQ(error.find("secret"), std::string::npos) << "the value is not repeated: " << error;
  }
  const std::string unclosed = dotenv_error(dir, "POLYVOX_TEST_BAD=\"secret-value # no end\n");
  EXPECT_NE(unclosed.find(path + " line 1 (POLYVOX_TEST_BAD): the value's opening \" is never "
                                 "closed"),
            std::string::npos)
      << unclosed;
  EXPECT_EQ(unclosed.find("secret"), std::string::npos) << unclosed;
}

// The worst case of the reader: one line of a megabyte of escapes and quotes is read in one pass,
// each escape once; a megabyte-long quote never closed is refused naming its line (the fuzz
// target dotenv covers the rest).
TEST(DotenvTest, AMegabyteLineOfEscapesIsReadAsWritten) {
  std::string escaped, expected;
  for (int i = 0; i < 250'000; ++i) escaped += R"(\\\")", expected += R"(\")";  // \\ \" -> \ "
  const Environment env = Environment::parse_dotenv("KEY=\"" + escaped + "\" # end\n", "big.env");
  EXPECT_EQ(env.get("KEY"), expected);
  try {
    (void)Environment::parse_dotenv("A=1\nKEY=\"" + escaped, "big.env");
    ADD_FAILURE() << "an unclosed quote was read";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("big.env line 2 (KEY)", 0), 0u) << e.what();
  }
}

TEST(EnvironmentTest, IntegersAreDigitsWithAnOptionalMinusOnly) {
  for (const std::string bad :
       {" 8000", "8000 ", "+18934", "0x10", "1e3", "80 00", "-", "99999999999999999999"}) {
    Environment env;
    env.set_for_test("PORT", bad);
    EXPECT_NE(
        config_error(env).find("PORT must be an integer between 0 and 65535, got '" + bad + "'"),
        std::string::npos)
        << "'" << bad << "': " << config_error(env);
  }
  Environment env;
  env.set_for_test("PORT", "18934");
  env.set_for_test("TARGET_LUFS", "-20");
  const Config config = load_config(env);
  EXPECT_EQ(config.service.http.port, 18934);
  EXPECT_EQ(config.render.loudness.integrated_lufs, -20.0);
  env.set_for_test("PORT", "");  // empty: unset
  EXPECT_EQ(load_config(env).service.http.port, 8000);
}

TEST(LoadConfigTest, MaxTruePeakIsTheCeilingOfJobsWithoutAProfile) {
  Environment env;
  EXPECT_EQ(load_config(env).render.loudness.max_true_peak_dbtp, -1.0);
  env.set_for_test("MAX_TRUE_PEAK_DBTP", "-3");
  EXPECT_EQ(load_config(env).render.loudness.max_true_peak_dbtp, -3.0);
  for (const char* bad : {"1", "-11", "-1.5"}) {
    env.set_for_test("MAX_TRUE_PEAK_DBTP", bad);
    EXPECT_NE(config_error(env).find("MAX_TRUE_PEAK_DBTP must be an integer between -10 and 0"),
              std::string::npos)
        << bad;
  }
}

TEST(LoadConfigTest, AnswerMinimumAboveItsMaximumIsRefusedNamingBoth) {
  Environment env;
  env.set_for_test("ANSWER_MIN_MS_PER_CHAR", "900");
  EXPECT_EQ(config_error(env),
            "ANSWER_MIN_MS_PER_CHAR (900) must not be above ANSWER_MAX_MS_PER_CHAR (500)");
  env.set_for_test("ANSWER_MAX_MS_PER_CHAR", "900");
  const Config config = load_config(env);
  EXPECT_EQ(config.render.answer.min_ms_per_letter, 900.0);
  EXPECT_EQ(config.render.answer.max_ms_per_letter, 900.0);
}

TEST(LoadConfigTest, TempRetentionShorterThanAnAssemblysQuietSpellIsRefused) {
  Environment env;
  EXPECT_EQ(load_config(env).service.cleanup.temp_retention_ms, 3'600'000);
  for (const char* bad : {"0", "1", "599"}) {
    env.set_for_test("TEMP_RETENTION_SECONDS", bad);
    EXPECT_NE(config_error(env).find("TEMP_RETENTION_SECONDS must be an integer between 600 and"),
              std::string::npos)
        << bad << ": " << config_error(env);
  }
  env.set_for_test("TEMP_RETENTION_SECONDS", "600");
  EXPECT_EQ(load_config(env).service.cleanup.temp_retention_ms, 600'000);
}

}  // namespace
}  // namespace polyvox
