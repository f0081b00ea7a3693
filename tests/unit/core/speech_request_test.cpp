#include "core/speech_request.h"

#include <gtest/gtest.h>

namespace polyvox {
namespace {

TEST(SpeechRequestTest, ParsesEveryParameterOpenAiDefines) {
  auto r = parse_speech_request(
      R"({"model":"tts-1","input":"  Hello.  ","voice":{"id":"nova"},"response_format":"wav",)"
      R"("speed":1.5,"instructions":"calm","stream_format":"sse"})");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->model, "tts-1");
  EXPECT_EQ(r->input, "Hello.");
  EXPECT_EQ(r->voice, "nova");
  EXPECT_EQ(r->response_format, "wav");
  EXPECT_DOUBLE_EQ(r->speed, 1.5);
  EXPECT_EQ(r->instructions, "calm");
  EXPECT_EQ(r->stream_format, SpeechStreamFormat::kSse);
}

TEST(SpeechRequestTest, DefaultsToMp3AtSpeedOneWithoutStreaming) {
  auto r = parse_speech_request(R"({"model":"tts-1","input":"Hi","voice":"alloy"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->response_format, "mp3");
  EXPECT_DOUBLE_EQ(r->speed, 1.0);
  EXPECT_EQ(r->stream_format, SpeechStreamFormat::kNone);
}

TEST(SpeechRequestTest, IgnoresParametersOpenAiDoesNotDefine) {
  auto r = parse_speech_request(R"({"model":"m","input":"Hi","voice":"v","user":"x","n":2})");
  EXPECT_TRUE(r.ok());
}

struct Bad {
  const char* body;
  const char* field;
};

class SpeechRequestRejects : public ::testing::TestWithParam<Bad> {};

TEST_P(SpeechRequestRejects, NamingTheParameter) {
  auto r = parse_speech_request(GetParam().body);
  ASSERT_FALSE(r.ok()) << GetParam().body;
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(r.error().field, GetParam().field) << r.error().message;
  EXPECT_FALSE(r.error().message.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, SpeechRequestRejects,
    ::testing::Values(
        Bad{R"({"input":"Hi","voice":"v"})", "model"}, Bad{R"({"model":"m","voice":"v"})", "input"},
        Bad{R"({"model":"m","input":"  ","voice":"v"})", "input"},
        Bad{R"({"model":"m","input":"Hi"})", "voice"},
        Bad{R"({"model":"m","input":"Hi","voice":{"name":"x"}})", "voice"},
        Bad{R"({"model":"m","input":"Hi","voice":7})", "voice"},
        Bad{R"({"model":"m","input":"Hi","voice":"v","response_format":"ogg"})", "response_format"},
        Bad{R"({"model":"m","input":"Hi","voice":"v","speed":0.2})", "speed"},
        Bad{R"({"model":"m","input":"Hi","voice":"v","speed":4.01})", "speed"},
        Bad{R"({"model":"m","input":"Hi","voice":"v","speed":"fast"})", "speed"},
        Bad{R"({"model":"m","input":"Hi","voice":"v","speed":1e400})", "speed"},
        Bad{R"({"model":"m","input":"Hi","voice":"v","voice":"w"})", "voice"},
        Bad{R"({"model":"m","input":"...!","voice":"v"})", "input"},
        Bad{R"({"model":"m","input":"Hi \u0001\u0080S there","voice":"v"})", "input"},
        Bad{R"({"model":"m","input":"Hi \u0000 there","voice":"v"})", "input"},
        Bad{R"({"model":"m","input":"Hi","voice":"v","stream_format":"ws"})", "stream_format"},
        Bad{R"([1,2])", ""}, Bad{R"({"model":)", ""}, Bad{"{\"model\":\"\xff\"}", ""}));

// Line breaks, tabs and page breaks lay text out and are read as spaces; the other control
// characters are refused, the message naming the first and where it is.
TEST(SpeechRequestTest, InputKeepsLayoutCharactersAndRefusesOtherControls) {
  auto ok = parse_speech_request(
      R"({"model":"m","voice":"v","input":"Page one.\f\r\nPage\ttwo.\u000bEnd\u0085"})");
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(ok->input, "Page one.\f\r\nPage\ttwo.\vEnd\u0085");
  auto word = parse_speech_request(R"({"model":"m","voice":"v","input":"non\u001ebreaking"})");
  ASSERT_TRUE(word.ok()) << word.error().to_string();
  EXPECT_EQ(word->input, "non\u2011breaking");  // Word's non-breaking hyphen, as it means
  auto r = parse_speech_request(R"({"model":"m","voice":"v","input":"Hello\u007f there"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "must not contain control characters (U+007F at character 6); line breaks and tabs "
            "may be used");
}

TEST(SpeechRequestTest, InputIsAtMost4096Characters) {
  const std::string ok(4096, 'a');
  const std::string arabic_ok = [] {
    std::string s;
    for (int i = 0; i < 4096; ++i) s += "\u0628";  // two bytes each: counted as characters
    return s;
  }();
  EXPECT_TRUE(parse_speech_request(R"({"model":"m","voice":"v","input":")" + ok + "\"}").ok());
  EXPECT_TRUE(
      parse_speech_request(R"({"model":"m","voice":"v","input":")" + arabic_ok + "\"}").ok());
  auto r = parse_speech_request(R"({"model":"m","voice":"v","input":")" + ok + "b\"}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "input");
  EXPECT_NE(r.error().message.find("4097"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace polyvox
