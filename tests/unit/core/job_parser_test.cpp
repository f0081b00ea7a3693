#include "core/job_parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

namespace polyvox {
namespace {

// Two usable providers with a few voices, one configured but unusable.
class FakeDirectory : public ProviderDirectory {
 public:
  std::vector<std::string> usable_providers() const override { return {"espeak", "flite"}; }
  std::string unusable_reason(std::string_view p) const override {
    if (p == "espeak" || p == "flite") return "";
    if (p == "elevenlabs") return "ELEVENLABS_API_KEY is not set";
    return "unknown provider";
  }
  bool has_voice(std::string_view p, std::string_view v) const override {
    const auto& list = voices_.at(std::string(p));
    return v == "default" || list.count(std::string(v)) > 0;
  }
  std::vector<std::string> example_voices(std::string_view p) const override {
    const auto& list = voices_.at(std::string(p));
    return {list.begin(), list.end()};
  }
  // espeak's voices read their language's script, flite's Latin; "espeak:any" reads anything.
  std::vector<std::string> voice_scripts(std::string_view p, std::string_view v) const override {
    if (p == "flite") return {"Latin"};
    if (v == "any") return {};
    if (v == "ar") return {"Arabic"};
    return {"Latin"};
  }
  std::vector<std::string> voices_for_script(std::string_view script,
                                             std::size_t max) const override {
    if (script == "Arabic") return {"espeak:ar"};
    if (script == "Latin") return {"espeak:en", "flite:slt"};
    return {};
  }

 private:
  std::map<std::string, std::set<std::string>> voices_{{"espeak", {"en", "ar", "fr", "any"}},
                                                       {"flite", {"slt", "rms"}}};
};

class JobParserTest : public ::testing::Test {
 protected:
  Result<JobSpec> parse(const std::string& json) { return parse_job(json, options_, directory_); }
  Error error_of(const std::string& json) {
    auto r = parse(json);
    EXPECT_FALSE(r.ok()) << "expected an error for " << json;
    return r.ok() ? Error{} : r.error();
  }
  // Every problem of a rejected job.
  std::vector<ErrorDetail> details_of(const std::string& json) {
    std::vector<ErrorDetail> details;
    EXPECT_FALSE(parse_job(json, options_, directory_, &details).ok()) << json;
    return details;
  }
  JobParseOptions options_;
  FakeDirectory directory_;
};

TEST_F(JobParserTest, AcceptsMinimalJobWithSeedDefaults) {
  auto job = parse(R"({"blocks": [{"text": "Hello"}]})");
  ASSERT_TRUE(job.ok()) << job.error().to_string();
  ASSERT_EQ(job->blocks.size(), 1u);
  const BlockSpec& b = job->blocks[0];
  EXPECT_EQ(b.text, "Hello");
  EXPECT_EQ(b.wait_after_ms, 0);
  EXPECT_EQ(b.voice, "default");
  EXPECT_FALSE(b.arabic);
  EXPECT_EQ(b.provider, "espeak");
  EXPECT_EQ(job->output_format, OutputFormat::kMp3);
}

TEST_F(JobParserTest, ANumberBeyondADoubleNamesItsField) {
  Error e = error_of(R"({"blocks": [{"text": "a"}, {"text": "b", "wait_after_ms": 1e400}]})");
  EXPECT_EQ(e.kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(e.field, "blocks[1].wait_after_ms");
  e = error_of(R"({"blocks": [{"text": "a", "fallback": [{"provider": "x"}, -1e999]}]})");
  EXPECT_EQ(e.field, "blocks[0].fallback[1]");
  e = error_of(R"({"blocks": [[1, [2, 3e999]]]})");
  EXPECT_EQ(e.field, "blocks[0][1][1]");
}

TEST_F(JobParserTest, ParsesEveryField) {
  auto job = parse(R"({"project_id": "p1", "user_id": "ignored", "output_format": "wav",
      "blocks": [{"text": "  مرحبا  ", "wait_after_ms": 250, "provider": "espeak",
                  "voice": "ar", "arabic": true}]})");
  ASSERT_TRUE(job.ok()) << job.error().to_string();
  EXPECT_EQ(job->project_id, "p1");
  EXPECT_EQ(job->output_format, OutputFormat::kWav);
  const BlockSpec& b = job->blocks[0];
  EXPECT_EQ(b.text, "مرحبا");  // trimmed
  EXPECT_EQ(b.wait_after_ms, 250);
  EXPECT_EQ(b.provider, "espeak");
  EXPECT_EQ(b.voice, "ar");
  EXPECT_TRUE(b.arabic);
}

TEST_F(JobParserTest, UsesConfiguredDefaultProvider) {
  options_.default_provider = "flite";
  auto job = parse(R"({"blocks": [{"text": "Hi"}]})");
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->blocks[0].provider, "flite");
}

TEST_F(JobParserTest, AcceptsIntegralFloatPause) {
  auto job = parse(R"({"blocks": [{"text": "Hi", "wait_after_ms": 250.0}]})");
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->blocks[0].wait_after_ms, 250);
}

TEST_F(JobParserTest, RejectsMissingBlocks) {
  Error e = error_of(R"({"project_id": "x"})");
  EXPECT_EQ(e.kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(e.field, "blocks");
}

TEST_F(JobParserTest, RejectsEmptyBlocks) {
  Error e = error_of(R"({"blocks": []})");
  EXPECT_EQ(e.field, "blocks");
  EXPECT_NE(e.message.find("at least 1"), std::string::npos);
}

TEST_F(JobParserTest, RejectsTooManyBlocks) {
  options_.limits.max_blocks = 3;
  Error e = error_of(R"({"blocks": [{"text":"a"},{"text":"b"},{"text":"c"},{"text":"d"}]})");
  EXPECT_EQ(e.field, "blocks");
  EXPECT_NE(e.message.find("at most 3"), std::string::npos);
}

TEST_F(JobParserTest, RejectsEmptyAndWhitespaceText) {
  EXPECT_EQ(error_of(R"({"blocks": [{"text": ""}]})").field, "blocks[0].text");
  EXPECT_EQ(error_of(R"({"blocks": [{"text": "ok"}, {"text": " \t\n\u00a0"}]})").field,
            "blocks[1].text");
}

TEST_F(JobParserTest, RejectsMissingText) {
  Error e = error_of(R"({"blocks": [{"voice": "en"}]})");
  EXPECT_EQ(e.field, "blocks[0].text");
  EXPECT_NE(e.message.find("required"), std::string::npos);
}

TEST_F(JobParserTest, CountsTextLengthInCharactersNotBytes) {
  std::string arabic;
  for (int i = 0; i < 5000; ++i) arabic += "ب";  // 2 bytes each
  EXPECT_TRUE(parse(R"({"blocks": [{"voice": "ar", "text": ")" + arabic + R"("}]})").ok());
  Error e = error_of(R"({"blocks": [{"voice": "ar", "text": ")" + arabic + R"(ب"}]})");
  EXPECT_EQ(e.field, "blocks[0].text");
  EXPECT_NE(e.message.find("at most 5000"), std::string::npos);
}

TEST_F(JobParserTest, RejectsNegativeAndHugePause) {
  Error negative = error_of(R"({"blocks": [{"text": "a", "wait_after_ms": -1}]})");
  EXPECT_EQ(negative.field, "blocks[0].wait_after_ms");
  EXPECT_EQ(negative.message, "must be between 0 and 60000");
  Error huge = error_of(
      R"({"blocks": [{"text":"a"},{"text":"b"},{"text":"c"},{"text":"d", "wait_after_ms": 60001}]})");
  EXPECT_EQ(huge.to_string(), "blocks[3].wait_after_ms: must be between 0 and 60000");
}

TEST_F(JobParserTest, CapsTheSumOfAJobsPausesNamingTheTotal) {
  // 61 blocks of 60 s: 3660 s of silence, past the default 3600 s (MAX_JOB_PAUSE_SECONDS).
  std::string blocks;
  for (int i = 0; i < 61; ++i) {
    blocks += std::string(i ? "," : "") + R"({"text": "a", "wait_after_ms": 60000})";
  }
  Error e = error_of(R"({"blocks": [)" + blocks + "]}");
  EXPECT_EQ(e.kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(e.to_string(),
            "blocks: the pauses (wait_after_ms) add up to 3660 s, more than the 3600 s a job "
            "may hold");
  // Exactly at the cap is fine.
  options_.limits.max_total_pause_ms = 3'660'000;
  EXPECT_TRUE(parse(R"({"blocks": [)" + blocks + "]}").ok());
  options_.limits.max_total_pause_ms = 1500;
  EXPECT_EQ(error_of(R"({"blocks": [{"text": "a", "wait_after_ms": 1000},)"
                     R"({"text": "b", "wait_after_ms": 501}]})")
                .message,
            "the pauses (wait_after_ms) add up to 1.501 s, more than the 1.5 s a job may hold");
}

TEST_F(JobParserTest, RejectsFractionalPause) {
  EXPECT_EQ(error_of(R"({"blocks": [{"text": "a", "wait_after_ms": 1.5}]})").field,
            "blocks[0].wait_after_ms");
}

TEST_F(JobParserTest, RejectsWrongTypes) {
  EXPECT_EQ(error_of(R"({"blocks": [{"text": 5}]})").field, "blocks[0].text");
  EXPECT_EQ(error_of(R"({"blocks": [{"text": "a", "wait_after_ms": "250"}]})").field,
            "blocks[0].wait_after_ms");
  EXPECT_EQ(error_of(R"({"blocks": [{"text": "a", "arabic": "yes"}]})").field, "blocks[0].arabic");
  EXPECT_EQ(error_of(R"({"blocks": [{"text": "a", "voice": 3}]})").field, "blocks[0].voice");
  EXPECT_EQ(error_of(R"({"blocks": [{"text": "a", "provider": []}]})").field, "blocks[0].provider");
  EXPECT_EQ(error_of(R"({"blocks": ["text"]})").field, "blocks[0]");
  EXPECT_EQ(error_of(R"({"blocks": {"text": "a"}})").field, "blocks");
  EXPECT_EQ(error_of(R"([1, 2])").message, "must be a JSON object, got an array");
  EXPECT_EQ(error_of(R"({"blocks": [{"text": "a"}], "output_format": "ogg"})").field,
            "output_format");
}

TEST_F(JobParserTest, ReadsSampleRateAndBitrateCheckedAgainstTheFormat) {
  auto job = parse(R"({"output_format": "opus", "bitrate_kbps": 48, "sample_rate": 48000,
                      "blocks": [{"text": "a"}]})");
  ASSERT_TRUE(job.ok()) << job.error().message;
  EXPECT_EQ(job->output_format, OutputFormat::kOpus);
  EXPECT_EQ(job->sample_rate, 48000);
  EXPECT_EQ(job->bitrate_kbps, 48);
  auto defaults =
      parse(R"({"output_format": "flac", "sample_rate": null, "blocks": [{"text": "a"}]})");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->sample_rate, 0);
  EXPECT_EQ(defaults->bitrate_kbps, 0);
  // The bounds depend on the format whatever the order of the keys.
  EXPECT_EQ(
      error_of(R"({"sample_rate": 44100, "output_format": "opus", "blocks": [{"text": "a"}]})")
          .field,
      "sample_rate");
  EXPECT_EQ(
      error_of(R"({"bitrate_kbps": 64, "output_format": "flac", "blocks": [{"text": "a"}]})").field,
      "bitrate_kbps");
  EXPECT_EQ(error_of(R"({"sample_rate": -1, "blocks": [{"text": "a"}]})").field, "sample_rate");
  EXPECT_EQ(error_of(R"({"sample_rate": "48000", "blocks": [{"text": "a"}]})").field,
            "sample_rate");
  EXPECT_EQ(error_of(R"({"bitrate_kbps": 1e300, "blocks": [{"text": "a"}]})").field,
            "bitrate_kbps");
}

TEST_F(JobParserTest, RejectsUnknownProviderListingAvailableOnes) {
  Error e = error_of(R"({"blocks": [{"text": "a", "provider": "nope"}]})");
  EXPECT_EQ(e.kind, ErrorKind::kUnknownProvider);
  EXPECT_EQ(e.field, "blocks[0].provider");
  EXPECT_NE(e.message.find("espeak, flite"), std::string::npos) << e.message;
}

TEST_F(JobParserTest, RejectsUnusableProviderSayingWhy) {
  Error e = error_of(R"({"blocks": [{"text": "a", "provider": "elevenlabs"}]})");
  EXPECT_EQ(e.kind, ErrorKind::kUnknownProvider);
  EXPECT_NE(e.message.find("ELEVENLABS_API_KEY is not set"), std::string::npos) << e.message;
}

TEST_F(JobParserTest, RejectsUnknownVoiceListingSomeVoices) {
  Error e = error_of(R"({"blocks": [{"text": "a", "provider": "flite", "voice": "zz"}]})");
  EXPECT_EQ(e.kind, ErrorKind::kUnknownVoice);
  EXPECT_EQ(e.field, "blocks[0].voice");
  EXPECT_NE(e.message.find("rms"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("slt"), std::string::npos) << e.message;
}

TEST_F(JobParserTest, RejectsUnknownFieldsNamingThem) {
  EXPECT_EQ(error_of(R"({"blocks": [{"text": "a"}], "colour": 1})").field, "colour");
  Error e = error_of(R"({"blocks": [{"text": "a"}, {"text": "b", "pitch": 2}]})");
  EXPECT_EQ(e.field, "blocks[1].pitch");
  EXPECT_EQ(e.message, "unknown field");
}

TEST_F(JobParserTest, NamesLineAndColumnOfMalformedJson) {
  Error e = error_of("{\n  \"blocks\": [\n    {\"text\": \"a\",}\n  ]\n}");
  EXPECT_EQ(e.kind, ErrorKind::kInvalidInput);
  EXPECT_NE(e.message.find("malformed JSON at line 3, column 18"), std::string::npos) << e.message;
}

TEST_F(JobParserTest, RejectsTruncatedJson) {
  Error e = error_of(R"({"blocks": [{"text": "a")");
  EXPECT_NE(e.message.find("malformed JSON at line 1"), std::string::npos) << e.message;
}

// Found by tests/fuzz (job_parser): a number past a double's range escaped as an exception
// (POST /tts answered 500).
TEST_F(JobParserTest, RejectsNumbersOutOfRange) {
  for (const char* json : {R"({"blocks": [{"text": "a", "wait_after_ms": 1e400}]})",
                           R"({"project_id": -444444444444e444444, "blocks": [{"text": "a"}]})"}) {
    Error e = error_of(json);
    EXPECT_EQ(e.kind, ErrorKind::kInvalidInput);
    EXPECT_NE(e.message.find("number is out of range"), std::string::npos) << e.message;
  }
}

TEST_F(JobParserTest, RejectsInvalidUtf8) {
  std::string json = "{\"blocks\": [{\"text\": \"ab\xC3\x28\"}]}";
  Error e = error_of(json);
  EXPECT_EQ(e.kind, ErrorKind::kInvalidInput);
  EXPECT_NE(e.message.find("invalid UTF-8 at line 1, column 25"), std::string::npos) << e.message;
}

TEST_F(JobParserTest, ParsesVoiceChoicesAndCacheFlag) {
  auto job = parse(R"({"blocks": [{"text": "a", "cache": false, "fallback": [
      {"provider": "flite", "voice": "rms"}, {"provider": "espeak"}]}]})");
  ASSERT_TRUE(job.ok()) << job.error().to_string();
  const BlockSpec& b = job->blocks[0];
  EXPECT_FALSE(b.cache);
  ASSERT_EQ(b.fallback.size(), 2u);
  EXPECT_EQ(b.fallback[0].provider, "flite");
  EXPECT_EQ(b.fallback[0].voice, "rms");
  EXPECT_EQ(b.fallback[1].voice, "default");
}

TEST_F(JobParserTest, ValidatesFallbackEntries) {
  EXPECT_EQ(error_of(R"({"blocks": [{"text": "a", "fallback": [{"voice": "rms"}]}]})").field,
            "blocks[0].fallback[0].provider");
  EXPECT_EQ(error_of(R"({"blocks": [{"text": "a", "fallback": [{"provider": "nope"}]}]})").field,
            "blocks[0].fallback[0].provider");
  EXPECT_EQ(error_of(R"({"blocks": [{"text": "a", "fallback": [{"provider": "flite",
      "voice": "zz"}]}]})")
                .field,
            "blocks[0].fallback[0].voice");
  EXPECT_EQ(error_of(R"({"blocks": [{"text": "a", "fallback": [{"provider": "flite",
      "speed": 1}]}]})")
                .field,
            "blocks[0].fallback[0].speed");
  EXPECT_EQ(error_of(R"({"blocks": [{"text": "a", "fallback": "flite"}]})").field,
            "blocks[0].fallback");
  EXPECT_EQ(error_of(R"({"blocks": [{"text": "a", "cache": "no"}]})").field, "blocks[0].cache");
}

TEST_F(JobParserTest, SpeedDefaultsToOneAndAcceptsItsWholeRange) {
  auto job = parse(
      R"({"blocks": [{"text": "a"}, {"text": "b", "speed": 0.25}, {"text": "c", "speed": 4},
          {"text": "d", "speed": 1.5}, {"text": "e", "speed": null}]})");
  ASSERT_TRUE(job.ok()) << job.error().to_string();
  EXPECT_EQ(job->blocks[0].speed, 1.0);
  EXPECT_EQ(job->blocks[1].speed, 0.25);
  EXPECT_EQ(job->blocks[2].speed, 4.0);
  EXPECT_EQ(job->blocks[3].speed, 1.5);
  EXPECT_EQ(job->blocks[4].speed, 1.0);
}

TEST_F(JobParserTest, SpeakerIsOptionalTrimmedAndBounded) {
  auto job = parse(
      R"({"blocks": [{"text": "a"}, {"text": "b", "speaker": "  Ann & <Bob>  "},
          {"text": "c", "speaker": null}]})");
  ASSERT_TRUE(job.ok()) << job.error().to_string();
  EXPECT_EQ(job->blocks[0].speaker, "");
  EXPECT_EQ(job->blocks[1].speaker, "Ann & <Bob>");
  EXPECT_EQ(job->blocks[2].speaker, "");
  // 100 code points (two bytes each) is the limit, 101 is refused.
  std::string hundred;
  for (int i = 0; i < 100; ++i) hundred += "\u0633";
  ASSERT_TRUE(parse(R"({"blocks": [{"text": "a", "speaker": ")" + hundred + R"("}]})").ok());
  Error e = error_of(R"({"blocks": [{"text": "a", "speaker": ")" + hundred + R"(x"}]})");
  EXPECT_EQ(e.field, "blocks[0].speaker");
  EXPECT_NE(e.message.find("at most 100"), std::string::npos) << e.message;
  for (const char* bad : {R"("")", R"("   ")", R"("a\nb")", R"("a\u0007")", "3", "[]"}) {
    Error bad_error =
        error_of(std::string(R"({"blocks": [{"text": "a", "speaker": )") + bad + "}]}");
    EXPECT_EQ(bad_error.kind, ErrorKind::kInvalidInput) << bad;
    EXPECT_EQ(bad_error.field, "blocks[0].speaker") << bad;
  }
}

// Text to be spoken keeps what lays it out (line breaks, tabs, page breaks from a PDF's text) and
// refuses other control characters, naming the first: espeak-ng read U+0001 as the start of a
// command (the rest of the block at another rate) and a NUL cut the block short, unannounced.
TEST_F(JobParserTest, TextRefusesControlCharactersButKeepsLayout) {
  auto job = parse(R"({"blocks": [{"text": "Chapter one.\f\nIt\tbegan.\r\n"},
                                   {"text": "\u0093Quoted\u0094 as Latin-1 reads Windows-1252"}]})");
  ASSERT_TRUE(job.ok()) << job.error().to_string();
  EXPECT_EQ(job->blocks[0].text, "Chapter one.\f\nIt\tbegan.");
  EXPECT_EQ(job->blocks[1].text, "\u0093Quoted\u0094 as Latin-1 reads Windows-1252");
  // Word's hyphens, as a program reading a document gets them, are read as what they mean.
  auto word =
      parse(R"({"blocks": [{"text": "A non\u001ebreaking and an opt\u001fional hyphen"}]})");
  ASSERT_TRUE(word.ok()) << word.error().to_string();
  EXPECT_EQ(word->blocks[0].text, "A non\u2011breaking and an opt\u00adional hyphen");
  for (const auto& [bad, name, at] :
       {std::tuple{R"(one \u0001S two)", "U+0001", 5}, std::tuple{R"(one\u0000two)", "U+0000", 4},
        std::tuple{R"(  \u0633\u0633 \u007f)", "U+007F", 6},
        std::tuple{R"(a\u001bb)", "U+001B", 2}}) {
    Error e = error_of(std::string(R"({"blocks": [{"text": "a"}, {"text": ")") + bad + "\"}]}");
    EXPECT_EQ(e.kind, ErrorKind::kInvalidInput) << bad;
    EXPECT_EQ(e.field, "blocks[1].text") << bad;
    EXPECT_NE(e.message.find(std::string("(") + name + " at character " + std::to_string(at) + ")"),
              std::string::npos)
        << e.message;
  }
}

// project_id was unbounded: a 20 MB one was stored and repeated in every listing of the job.
TEST_F(JobParserTest, ProjectIdIsFreeFormButBounded) {
  std::string id;
  for (int i = 0; i < 256; ++i) id += "\u0633";  // 256 code points of two bytes
  auto job = parse(R"({"project_id": ")" + id + R"(", "blocks": [{"text": "a"}]})");
  ASSERT_TRUE(job.ok()) << job.error().to_string();
  EXPECT_EQ(job->project_id, id);
  ASSERT_TRUE(parse(R"({"project_id": "", "blocks": [{"text": "a"}]})").ok());
  Error e = error_of(R"({"project_id": ")" + id + R"(x", "blocks": [{"text": "a"}]})");
  EXPECT_EQ(e.field, "project_id");
  EXPECT_EQ(e.message, "must be at most 256 characters, got 257");
  for (const char* bad : {R"("a\nb")", R"("a\u0000")", R"("\u007f")", "3", "[]"}) {
    Error bad_error =
        error_of(std::string(R"({"project_id": )") + bad + R"(, "blocks": [{"text": "a"}]})");
    EXPECT_EQ(bad_error.kind, ErrorKind::kInvalidInput) << bad;
    EXPECT_EQ(bad_error.field, "project_id") << bad;
  }
}

TEST_F(JobParserTest, RejectsSpeedOutsideItsRangeOrOfTheWrongType) {
  for (const char* bad : {"0.2", "4.01", "0", "-1", "1e300"}) {
    Error e = error_of(std::string(R"({"blocks": [{"text": "a"}, {"text": "b", "speed": )") + bad +
                       "}]}");
    EXPECT_EQ(e.kind, ErrorKind::kInvalidInput) << bad;
    EXPECT_EQ(e.field, "blocks[1].speed") << bad;
    EXPECT_NE(e.message.find("between 0.25 and 4.0"), std::string::npos) << e.message;
  }
  Error e = error_of(R"({"blocks": [{"text": "a", "speed": "fast"}]})");
  EXPECT_EQ(e.field, "blocks[0].speed");
  EXPECT_EQ(e.message, "must be a number, got a string");
}

TEST_F(JobParserTest, ChapterTitlesAreTrimmedAndBounded) {
  auto job = parse(R"({"blocks": [{"text": "a", "chapter": "  Chapter One "}, {"text": "b"},
                                  {"text": "c", "chapter": null}]})");
  ASSERT_TRUE(job.ok()) << job.error().to_string();
  EXPECT_EQ(job->blocks[0].chapter, "Chapter One");
  EXPECT_EQ(job->blocks[1].chapter, "");
  EXPECT_EQ(job->blocks[2].chapter, "");
  EXPECT_EQ(error_of(R"({"blocks": [{"text": "a", "chapter": "  "}]})").field, "blocks[0].chapter");
  EXPECT_EQ(error_of(R"({"blocks": [{"text": "a", "chapter": 3}]})").field, "blocks[0].chapter");
  const Error line_break = error_of(R"({"blocks": [{"text": "a", "chapter": "one\ntwo"}]})");
  EXPECT_EQ(line_break.field, "blocks[0].chapter");
  EXPECT_NE(line_break.message.find("control characters"), std::string::npos);
  std::string longest;
  for (int i = 0; i < 200; ++i) longest += "é";  // 200 code points, 400 bytes
  EXPECT_TRUE(parse(R"({"blocks": [{"text": "a", "chapter": ")" + longest + R"("}]})").ok());
  const Error too_long =
      error_of(R"({"blocks": [{"text": "a", "chapter": ")" + longest + R"(x"}]})");
  EXPECT_EQ(too_long.field, "blocks[0].chapter");
  EXPECT_NE(too_long.message.find("at most 200"), std::string::npos) << too_long.message;
}

TEST_F(JobParserTest, AJobHasAtMost255Chapters) {
  options_.limits.max_blocks = 300;
  std::string blocks;
  for (int i = 0; i < 256; ++i) {
    blocks +=
        std::string(i ? "," : "") + R"({"text": "a", "chapter": "c)" + std::to_string(i) + R"("})";
  }
  const Error error = error_of(R"({"blocks": [)" + blocks + "]}");
  EXPECT_EQ(error.field, "blocks[255].chapter");
}

TEST_F(JobParserTest, ProfileIsOneOfTheNamedOnes) {
  auto plain = parse(R"({"blocks": [{"text": "a"}]})");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->profile, DeliveryProfile::kServer);
  for (auto [name, profile] : {std::pair{"podcast", DeliveryProfile::kPodcast},
                               std::pair{"audiobook", DeliveryProfile::kAudiobook},
                               std::pair{"broadcast", DeliveryProfile::kBroadcast},
                               std::pair{"none", DeliveryProfile::kNone}}) {
    auto job = parse(std::string(R"({"profile": ")") + name + R"(", "blocks": [{"text": "a"}]})");
    ASSERT_TRUE(job.ok()) << name;
    EXPECT_EQ(job->profile, profile);
  }
  for (const char* bad : {R"("radio")", R"("")", "1"}) {
    const Error e =
        error_of(std::string(R"({"profile": )") + bad + R"(, "blocks": [{"text": "a"}]})");
    EXPECT_EQ(e.field, "profile") << bad;
  }
}

TEST_F(JobParserTest, CoverUrlIsTheServicesOwnCoverPathOnly) {
  const std::string digest(64, 'c');
  auto job = parse(R"({"output_format": "m4b", "cover_url": "/covers/)" + digest +
                   R"(.jpg", "blocks": [{"text": "a"}]})");
  ASSERT_TRUE(job.ok()) << job.error().to_string();
  EXPECT_EQ(job->output_format, OutputFormat::kM4b);
  EXPECT_EQ(job->cover_url, "/covers/" + digest + ".jpg");
  for (const std::string& bad : std::vector<std::string>{
           "http://169.254.169.254/latest/meta-data",
           "https://example.com/covers/" + digest + ".png",
           "//evil.example/covers/" + digest + ".png", "/covers/" + digest + ".gif",
           "/covers/" + digest.substr(1) + ".png", "/covers/../" + digest + ".png",
           "/covers/" + std::string(64, 'G') + ".png", "file:///etc/passwd"}) {
    const Error e = error_of(R"({"cover_url": ")" + bad + R"(", "blocks": [{"text": "a"}]})");
    EXPECT_EQ(e.field, "cover_url") << bad;
  }
  const Error remote =
      error_of(R"({"cover_url": "https://example.com/a.png", "blocks": [{"text": "a"}]})");
  EXPECT_NE(remote.message.find("never fetched"), std::string::npos) << remote.message;
}

TEST_F(JobParserTest, InstructionsAreTrimmedAndBounded) {
  auto job = parse(
      R"({"blocks": [{"text": "a"}, {"text": "b", "instructions": "  Calm, slow.  "},
          {"text": "c", "instructions": null}]})");
  ASSERT_TRUE(job.ok()) << job.error().to_string();
  EXPECT_EQ(job->blocks[0].instructions, "");
  EXPECT_EQ(job->blocks[1].instructions, "Calm, slow.");
  EXPECT_EQ(job->blocks[2].instructions, "");

  std::string longest;
  for (std::size_t i = 0; i < kMaxBlockInstructionsChars; ++i) longest += "\u0639";  // 2 bytes
  auto fits = parse(R"({"blocks": [{"text": "a", "instructions": ")" + longest + R"("}]})");
  ASSERT_TRUE(fits.ok()) << fits.error().to_string();
  EXPECT_EQ(fits->blocks[0].instructions.size(), 2 * kMaxBlockInstructionsChars);
  Error e = error_of(R"({"blocks": [{"text": "a"}, {"text": "b", "instructions": ")" + longest +
                     R"(x"}]})");
  EXPECT_EQ(e.kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(e.field, "blocks[1].instructions");
  EXPECT_EQ(e.message, "must be at most 4096 characters, got 4097");
  e = error_of(R"({"blocks": [{"text": "a", "instructions": 3}]})");
  EXPECT_EQ(e.field, "blocks[0].instructions");
  EXPECT_EQ(e.message, "must be a string, got a number");
}

TEST_F(JobParserTest, AcceptsNullForOptionalFields) {
  auto job = parse(
      R"({"project_id": null, "blocks": [{"text": "a", "voice": null, "wait_after_ms": null}]})");
  ASSERT_TRUE(job.ok()) << job.error().to_string();
  EXPECT_EQ(job->blocks[0].voice, "default");
}

TEST_F(JobParserTest, WebhookUrlIsTakenFromTheJobOrFromTheDefault) {
  auto own = parse(
      R"({"webhook_url": "https://hooks.example.com/polyvox?t=1", "blocks": [{"text": "Hi"}]})");
  ASSERT_TRUE(own.ok()) << own.error().to_string();
  EXPECT_EQ(own->webhook_url, "https://hooks.example.com/polyvox?t=1");
  EXPECT_EQ(parse(R"({"blocks": [{"text": "Hi"}]})")->webhook_url, "");

  options_.default_webhook_url = "http://default.example/hook";
  EXPECT_EQ(parse(R"({"blocks": [{"text": "Hi"}]})")->webhook_url, "http://default.example/hook");
  EXPECT_EQ(parse(R"({"webhook_url": null, "blocks": [{"text": "Hi"}]})")->webhook_url,
            "http://default.example/hook");
  EXPECT_EQ(parse(R"({"webhook_url": "", "blocks": [{"text": "Hi"}]})")->webhook_url, "");
  EXPECT_EQ(
      parse(R"({"webhook_url": "https://mine.example/", "blocks": [{"text": "Hi"}]})")->webhook_url,
      "https://mine.example/");
}

TEST_F(JobParserTest, InvalidWebhookUrlNamesTheField) {
  for (const char* url : {"ftp://example.com/", "/relative", "https://user:pw@example.com/",
                          "https://example.com:0/", "https:///path", "http://exa mple.com/"}) {
    const Error e =
        error_of(std::string(R"({"blocks": [{"text": "Hi"}], "webhook_url": ")") + url + "\"}");
    EXPECT_EQ(e.kind, ErrorKind::kInvalidInput) << url;
    EXPECT_EQ(e.field, "webhook_url") << url;
  }
  const Error wrong = error_of(R"({"blocks": [{"text": "Hi"}], "webhook_url": 7})");
  EXPECT_EQ(wrong.field, "webhook_url");
  EXPECT_EQ(wrong.message, "must be a string, got a number");
}

// Every problem of a job at once, first one in front: a user fixes them in one round trip.
TEST_F(JobParserTest, ReportsEveryProblemAtOnceInDocumentOrder) {
  const std::string job = R"({"colour": 1, "blocks": [
      {"text": "a", "wait_after_ms": -5, "arabic": "yes"},
      {"voice": "en"},
      {"text": "b", "provider": "flite", "voice": "zz"},
      {"text": "c", "fallback": [{"provider": "nope"}]}],
    "output_format": "ogg"})";
  const Error e = error_of(job);
  EXPECT_EQ(e.kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(e.field, "colour");
  EXPECT_EQ(e.message, "unknown field");
  const auto details = details_of(job);
  std::vector<std::string> fields;
  for (const ErrorDetail& d : details) fields.push_back(d.field);
  EXPECT_EQ(fields, (std::vector<std::string>{
                        "colour", "blocks[0].wait_after_ms", "blocks[0].arabic", "blocks[1].text",
                        "blocks[2].voice", "blocks[3].fallback[0].provider", "output_format"}));
  ASSERT_EQ(details.size(), 7u);
  EXPECT_EQ(details[1].message, "must be between 0 and 60000");
  EXPECT_EQ(details[2].message, "must be a boolean, got a string");
  EXPECT_EQ(details[3].message, "is required");
  EXPECT_NE(details[4].message.find("unknown voice 'zz'"), std::string::npos);
}

TEST_F(JobParserTest, TheFirstProblemGivesTheKind) {
  const std::string job =
      R"({"blocks": [{"text": "a", "provider": "acme"}, {"text": "b", "speed": 9}]})";
  const Error e = error_of(job);
  EXPECT_EQ(e.kind, ErrorKind::kUnknownProvider);
  EXPECT_EQ(e.field, "blocks[0].provider");
  const auto details = details_of(job);
  ASSERT_EQ(details.size(), 2u);
  EXPECT_EQ(details[0].field, "blocks[0].provider");
  EXPECT_EQ(details[1].field, "blocks[1].speed");
}

TEST_F(JobParserTest, ListsAtMostFiftyProblems) {
  std::string job = R"({"blocks": [)";
  for (int i = 0; i < 80; ++i) job += std::string(i ? "," : "") + R"({"text": "a", "speed": 0})";
  job += "]}";
  const auto details = details_of(job);
  ASSERT_EQ(details.size(), kMaxErrorDetails);
  EXPECT_EQ(details.front().field, "blocks[0].speed");
  EXPECT_EQ(details.back().field, "blocks[49].speed");
}

TEST_F(JobParserTest, AWrongTypedProviderIsNotAlsoAnUnknownVoice) {
  const auto details = details_of(R"({"blocks": [{"text": "a", "provider": 5, "voice": "slt"}]})");
  ASSERT_EQ(details.size(), 1u);
  EXPECT_EQ(details[0].field, "blocks[0].provider");
}

// Repeated keys were taken silently (the last one won): now each is named by its path.
TEST_F(JobParserTest, RejectsDuplicateKeysNamingTheirPath) {
  Error e = error_of(R"({"blocks": [{"text": "a"}, {"text": "b", "voice": "en", "voice": "fr"}]})");
  EXPECT_EQ(e.kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(e.field, "blocks[1].voice");
  EXPECT_EQ(e.message, "duplicate key");
  const auto details =
      details_of(R"({"blocks": [{"text": "a"}], "project_id": "x", "blocks": [{"text": "b"}],
                     "project_id": "y"})");
  ASSERT_EQ(details.size(), 2u);
  EXPECT_EQ(details[0].field, "blocks");
  EXPECT_EQ(details[1].field, "project_id");
  e = error_of(R"({"blocks": [{"text": "a", "fallback": [{"provider": "flite",
                   "provider": "espeak"}]}]})");
  EXPECT_EQ(e.field, "blocks[0].fallback[0].provider");
  // The same key in two objects is no repetition.
  EXPECT_TRUE(
      parse(R"({"blocks": [{"text": "a", "voice": "en"}, {"text": "b", "voice": "en"}]})").ok());
}

// A block of only punctuation failed the whole job at render time ("returned silent audio").
TEST_F(JobParserTest, RejectsABlockWithNothingToSpeakPointingToThePause) {
  for (const char* text : {"...", " - ", "!?", "\u2026", "\u061f", "\U0001F600", "* * *"}) {
    const Error e =
        error_of(std::string(R"({"blocks": [{"text": "Hello."}, {"text": ")") + text + "\"}]}");
    EXPECT_EQ(e.kind, ErrorKind::kInvalidInput) << text;
    EXPECT_EQ(e.field, "blocks[1].text") << text;
    EXPECT_NE(e.message.find("nothing to speak"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("previous block's wait_after_ms"), std::string::npos) << e.message;
  }
  // A letter or a digit in any script is something to speak.
  for (const char* text : {"7", "a.", "\u0661", "\u4e2d", "\u0628!", "\u00e9..."}) {
    auto job = parse(std::string(R"({"blocks": [{"text": ")") + text + R"(", "voice": "any"}]})");
    EXPECT_TRUE(job.ok()) << text << ": " << job.error().to_string();
  }
}

// Arabic sent to flite's English voice "completed" with near-silence.
TEST_F(JobParserTest, RejectsTextMostlyInAScriptTheVoiceCannotRead) {
  const Error e =
      error_of(R"({"blocks": [{"text": "Hi"}, {"text": "مرحبا بالعالم", "provider": "flite"}]})");
  EXPECT_EQ(e.kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(e.field, "blocks[1].voice");
  for (const char* part : {"blocks[1]", "Arabic", "'default'", "'flite'", "espeak:ar"}) {
    EXPECT_NE(e.message.find(part), std::string::npos) << part << " in " << e.message;
  }
}

TEST_F(JobParserTest, ScriptCheckCountsMostLettersAndArabicFlag) {
  // A few Latin words in Arabic text, and the reverse, are read by the text's voice.
  EXPECT_TRUE(parse(R"({"blocks": [{"text": "مرحبا بالعالم في Polyvox", "voice": "ar"}]})").ok());
  EXPECT_TRUE(parse(R"({"blocks": [{"text": "The word مرحبا means hello"}]})").ok());
  // Digits and punctuation are no script: "2024!" is read by anyone.
  EXPECT_TRUE(parse(R"({"blocks": [{"text": "2024!", "voice": "ar"}]})").ok());
  // A block flagged arabic is Arabic whatever its letters (a transliteration, say).
  EXPECT_EQ(
      error_of(R"({"blocks": [{"text": "marhaba", "arabic": true, "provider": "flite"}]})").field,
      "blocks[0].voice");
  // Cyrillic: nobody here reads it, and the message says so.
  const Error e = error_of(R"({"blocks": [{"text": "Привет мир"}]})");
  EXPECT_NE(e.message.find("Cyrillic"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("no usable voice reads Cyrillic"), std::string::npos) << e.message;
  // Voices that read any script read everything.
  EXPECT_TRUE(parse(R"({"blocks": [{"text": "Привет мир", "voice": "any"}]})").ok());
}

TEST_F(JobParserTest, AFallbackVoiceThatReadsTheScriptIsEnough) {
  EXPECT_TRUE(parse(R"({"blocks": [{"text": "مرحبا بالعالم", "provider": "flite",
                        "fallback": [{"provider": "espeak", "voice": "ar"}]}]})")
                  .ok());
  EXPECT_EQ(error_of(R"({"blocks": [{"text": "مرحبا بالعالم", "provider": "flite",
                        "fallback": [{"provider": "espeak", "voice": "fr"}]}]})")
                .field,
            "blocks[0].voice");
}

}  // namespace
}  // namespace polyvox
