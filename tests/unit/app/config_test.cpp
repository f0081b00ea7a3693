// The configuration loader: how a `.env` file's lines are read (quotes, escapes, comments, and
// what is refused naming the line and the key).
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

}  // namespace
}  // namespace polyvox
