#include "worker/block_renderer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <future>

#include "core/clock.h"
#include "providers/resilient_provider.h"
#include "support/audio_fixtures.h"
#include "support/scripted_provider.h"
#include "text/text_splitter.h"

namespace polyvox {
namespace {

using test_support::ScriptedProvider;
using test_support::TempDir;

class BlockRendererTest : public ::testing::Test {
 protected:
  ScriptedProvider& add(const std::string& name, std::size_t max_chars = 0) {
    auto p = std::make_unique<ScriptedProvider>(name, max_chars);
    ScriptedProvider& ref = *p;
    registry_.add(std::move(p));
    return ref;
  }
  BlockContext context(bool final_attempt = false) {
    BlockContext c;
    c.providers = &registry_;
    c.diacritizer = &diacritizer_;
    c.final_attempt = final_attempt;
    c.last = true;
    return c;
  }
  // context() with the fixture's disk cache (in a directory of its own).
  BlockContext cached_context() {
    BlockContext c = context();
    c.cache = &cache_;
    return c;
  }
  // WordMarksAreCachedBesideTheAnswerAndOldEntriesStillServe with `main`, named `provider`.
  void check_marks_cache(ScriptedProvider& main, const std::string& provider);
  static BlockSpec block(std::string text, std::string provider = "main") {
    BlockSpec b;
    b.text = std::move(text);
    b.provider = std::move(provider);
    b.voice = "v";
    return b;
  }

  ProviderRegistry registry_;
  NoDiacritizer diacritizer_;
  TempDir cache_dir_;
  DiskAudioCache cache_{cache_dir_.path(), 1 << 24};
};

TEST_F(BlockRendererTest, RendersAndReportsUsage) {
  ScriptedProvider& main = add("main");
  auto rendered = render_block(block("Hello there"), context());
  ASSERT_TRUE(rendered.ok()) << rendered.error().to_string();
  EXPECT_EQ(rendered->provider, "main");
  ASSERT_EQ(rendered->usage.size(), 1u);
  EXPECT_EQ(rendered->usage[0].calls, 1u);
  EXPECT_EQ(rendered->usage[0].characters, 11u);
  EXPECT_EQ(main.texts, std::vector<std::string>{"Hello there"});
  // 60 ms per character of tone, with the 50 ms of silence kept before and after it.
  EXPECT_NEAR(audio::samples_to_ms(rendered->segment.speech_samples, 44100), 50 + 660.0 + 50, 5.0);
}

TEST_F(BlockRendererTest, AudioWorkWaitsForAFreeSlot) {
  ScriptedProvider& main = add("main");
  std::promise<void> called;
  main.on_call = [&] { called.set_value(); };
  CpuSlots slots(1);
  CpuSlots::Lease held = slots.acquire();
  BlockContext c = context();
  c.audio_slots = &slots;
  auto rendering = std::async(std::launch::async, [&] { return render_block(block("Hi"), c); });
  called.get_future().wait();
  // The provider has answered, but decoding needs the only slot, which this test holds.
  EXPECT_EQ(rendering.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  held.reset();
  auto rendered = rendering.get();
  ASSERT_TRUE(rendered.ok()) << rendered.error().to_string();
  EXPECT_TRUE(slots.try_acquire());  // given back after the block
}

TEST_F(BlockRendererTest, CachedAnswersOfAProviderThatHearsNeighboursDependOnThem) {
  ScriptedProvider& main = add("main");
  main.hears_neighbours = true;
  BlockContext c = cached_context();
  c.previous_text = "Before.";
  ASSERT_TRUE(render_block(block("Same words"), c).ok());
  c.previous_text = "Something else before.";
  ASSERT_TRUE(render_block(block("Same words"), c).ok());
  EXPECT_EQ(main.texts.size(), 2u);  // other neighbours: asked again
  EXPECT_EQ(main.previous, (std::vector<std::string>{"Before.", "Something else before."}));
  c.previous_text = "Before.";
  auto again = render_block(block("Same words"), c);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(main.texts.size(), 2u);  // the same neighbours: from the cache
  EXPECT_EQ(again->usage[0].cache_hits, 1u);
  main.hears_neighbours = false;  // a provider that does not hear them: one entry for any
  c.previous_text = "Whatever.";
  ASSERT_TRUE(render_block(block("Other words"), c).ok());
  c.previous_text = "Anything.";
  ASSERT_TRUE(render_block(block("Other words"), c).ok());
  EXPECT_EQ(main.texts.size(), 3u);
}

TEST_F(BlockRendererTest, SplitsLongTextAndJoinsPartsInOrder) {
  ScriptedProvider& main = add("main", 20);
  const std::string text = "First part here. Second part here. Third part here.";
  auto rendered = render_block(block(text), context());
  ASSERT_TRUE(rendered.ok()) << rendered.error().to_string();
  std::string joined;
  std::size_t total = 0;
  for (const auto& t : main.texts) {
    EXPECT_LE(t.size(), 20u);
    total += t.size();
  }
  EXPECT_EQ(total, text.size());
  EXPECT_EQ(rendered->usage[0].calls, main.texts.size());
  EXPECT_GE(main.texts.size(), 3u);
  // Three parts of tone, each with its own 100 ms lead and 100 ms tail of silence inside.
  EXPECT_GT(audio::samples_to_ms(rendered->segment.speech_samples, 44100), 60.0 * 50);
}

TEST_F(BlockRendererTest, RepeatedBlockComesFromTheCache) {
  ScriptedProvider& main = add("main");
  BlockContext c = cached_context();
  ASSERT_TRUE(render_block(block("Cache me"), c).ok());
  auto again = render_block(block("Cache me"), c);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(main.texts.size(), 1u);
  EXPECT_EQ(again->usage[0].calls, 0u);
  EXPECT_EQ(again->usage[0].cache_hits, 1u);
  BlockSpec uncached = block("Cache me");
  uncached.cache = false;
  ASSERT_TRUE(render_block(uncached, c).ok());
  EXPECT_EQ(main.texts.size(), 2u);
}

TEST_F(BlockRendererTest, FinalFailureFallsBackAtOnce) {
  ScriptedProvider& main = add("main");
  ScriptedProvider& backup = add("backup");
  main.failures.push_back({ErrorKind::kSynthesisFailed, "voice_not_found", ""});
  BlockSpec b = block("Fall back");
  b.fallback.push_back({"backup", "v"});
  auto rendered = render_block(b, context());
  ASSERT_TRUE(rendered.ok()) << rendered.error().to_string();
  EXPECT_EQ(rendered->provider, "backup");
  EXPECT_EQ(backup.texts.size(), 1u);
  ASSERT_EQ(rendered->usage.size(), 2u);
  EXPECT_EQ(rendered->usage[0].failures, 1u);
}

TEST_F(BlockRendererTest, TransientFailureIsRetriedLaterUnlessItIsTheLastAttempt) {
  ScriptedProvider& main = add("main");
  ScriptedProvider& backup = add("backup");
  BlockSpec b = block("Transient");
  b.fallback.push_back({"backup", "v"});
  main.failures.push_back({ErrorKind::kUnavailable, "HTTP 503", ""});
  auto early = render_block(b, context(/*final_attempt=*/false));
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().kind, ErrorKind::kUnavailable);
  EXPECT_TRUE(backup.texts.empty());
  main.failures.push_back({ErrorKind::kUnavailable, "HTTP 503", ""});
  auto last = render_block(b, context(/*final_attempt=*/true));
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->provider, "backup");
}

// The primary fails for good, the first fallback for now: the block is retried later (with the
// fallback's Retry-After), not failed for good on the primary's error; on its last attempt the
// second fallback speaks.
TEST_F(BlockRendererTest, ATransientFallbackAfterAPermanentPrimaryIsRetriedLater) {
  ScriptedProvider& main = add("main");
  ScriptedProvider& backup = add("backup");
  ScriptedProvider& spare = add("spare");
  BlockSpec b = block("Later");
  b.fallback.push_back({"backup", "v"});
  b.fallback.push_back({"spare", "v"});
  main.failures.push_back({ErrorKind::kSynthesisFailed, "voice_not_found", ""});
  backup.failures.push_back({ErrorKind::kRateLimited, "HTTP 429", "", 7});
  auto early = render_block(b, context(/*final_attempt=*/false));
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().kind, ErrorKind::kRateLimited);
  EXPECT_EQ(early.error().retry_after_s, 7);
  EXPECT_NE(early.error().message.find("'main': voice_not_found; then provider 'backup'"),
            std::string::npos)
      << early.error().message;
  EXPECT_TRUE(spare.texts.empty());
  main.failures.push_back({ErrorKind::kSynthesisFailed, "voice_not_found", ""});
  backup.failures.push_back({ErrorKind::kRateLimited, "HTTP 429", "", 7});
  auto last = render_block(b, context(/*final_attempt=*/true));
  ASSERT_TRUE(last.ok()) << last.error().to_string();
  EXPECT_EQ(last->provider, "spare");
}

TEST_F(BlockRendererTest, SilentAndTruncatedAnswersAreRetryableFailures) {
  ScriptedProvider& main = add("main");
  main.silent = true;
  auto silent = render_block(block("Say something"), context());
  ASSERT_FALSE(silent.ok());
  EXPECT_EQ(silent.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(silent.error().message.find("silent"), std::string::npos);
  main.silent = false;
  main.answer_ms = 40.0;  // far too short for 40 letters
  auto truncated = render_block(block(std::string(40, 'a')), context());
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(truncated.error().message.find("truncated"), std::string::npos);
}

// A hostile answer (decoding far past what its text could last, or a container no vendor sends)
// is a retryable block error within the limits production computes: five letters may last
// 5 x 500 ms + 2,000 ms (the answer check's bounds) + 10,000 ms of silence allowance.
TEST_F(BlockRendererTest, HostileAnswersAreRetryableFailuresWithinTheProductionLimits) {
  ScriptedProvider& main = add("main");
  struct Hostile {
    std::string what;
    audio::EncodedAudio audio;
    std::string error;
  };
  const std::vector<Hostile> answers = {
      // Ten minutes of silence: a few kilobytes of FLAC.
      {"FLAC bomb",
       {test_support::ffmpeg_file("anullsrc=r=16000:cl=mono", "-t 600 -c:a flac", "flac")},
       "the answer is longer than 14500 ms"},
      {"long WAV",
       {test_support::ffmpeg_file("sine=frequency=300:duration=60", "-ac 1 -ar 8000 -c:a pcm_s16le",
                                  "wav")},
       "the answer is longer than 14500 ms"},
      // A minute of raw PCM, as the vendors that answer PCM send it (decoded without FFmpeg).
      {"long raw PCM",
       {std::string(2 * 16000 * 60, '\x10'), audio::AudioEncoding::kPcmS16le, 16000},
       "the answer is longer than 14500 ms"},
      {"AIFF",
       {test_support::ffmpeg_file("sine=frequency=300:duration=1", "-ac 1 -ar 16000", "aiff")},
       "format 'aiff' is not an allowed answer format"},
      {"Matroska",
       {test_support::ffmpeg_file("sine=frequency=300:duration=1", "-ac 1 -ar 16000 -c:a flac",
                                  "mkv")},
       "format 'matroska,webm' is not an allowed answer format"},
  };
  for (const Hostile& answer : answers) {
    ASSERT_FALSE(answer.audio.bytes.empty()) << answer.what << ": ffmpeg made nothing";
    main.answer = answer.audio;
    auto rendered = render_block(block("Hello"), context());
    ASSERT_FALSE(rendered.ok()) << answer.what << " was rendered";
    EXPECT_EQ(rendered.error().kind, ErrorKind::kUnavailable) << answer.what;
    EXPECT_NE(rendered.error().message.find(answer.error), std::string::npos)
        << answer.what << ": " << rendered.error().message;
  }
  // The same renderer goes on with a good answer.
  main.answer.reset();
  auto fine = render_block(block("Hello"), context());
  ASSERT_TRUE(fine.ok()) << fine.error().to_string();
}

// Every provider tried is named, and what each cost is reported: vendors bill failed calls too.
TEST_F(BlockRendererTest, EveryFailureIsNamedAndItsCostReported) {
  ScriptedProvider& main = add("main");
  ScriptedProvider& backup = add("backup");
  main.failures.push_back({ErrorKind::kSynthesisFailed, "quota_exceeded", ""});
  backup.failures.push_back({ErrorKind::kSynthesisFailed, "invalid_api_key", ""});
  BlockSpec b = block("Nobody can");
  b.fallback.push_back({"backup", "v"});
  std::vector<ProviderUsage> spent;
  auto failed = render_block(b, context(), &spent);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().kind, ErrorKind::kSynthesisFailed);
  EXPECT_NE(failed.error().message.find("'main': quota_exceeded"), std::string::npos);
  EXPECT_NE(failed.error().message.find("'backup': invalid_api_key"), std::string::npos);
  ASSERT_EQ(spent.size(), 2u);
  for (std::size_t i = 0; i < spent.size(); ++i) {
    EXPECT_EQ(spent[i].provider, i == 0 ? "main" : "backup");
    EXPECT_EQ(spent[i].calls, 1u);
    EXPECT_EQ(spent[i].characters, 10u);  // "Nobody can"
    EXPECT_EQ(spent[i].failures, 1u);
  }
  // A success reports the same through `spent` as through the result.
  auto rendered = render_block(block("Fine now"), context(), &spent);
  ASSERT_TRUE(rendered.ok()) << rendered.error().to_string();
  ASSERT_EQ(spent.size(), 1u);
  EXPECT_EQ(spent[0].calls, 1u);
  EXPECT_EQ(rendered->usage[0].calls, 1u);
}

// A call the circuit breaker refuses never reaches the vendor: a failure, not a billed call.
TEST_F(BlockRendererTest, ACallRefusedByAnOpenCircuitIsNotBilled) {
  ManualClock clock;
  auto scripted = std::make_unique<ScriptedProvider>("main");
  ScriptedProvider& main = *scripted;
  registry_.add(std::make_unique<ResilientProvider>(
      std::move(scripted), clock, ResilienceOptions{.breaker = {.failure_threshold = 1}}));
  main.failures.push_back({ErrorKind::kUnavailable, "HTTP 503", ""});
  std::vector<ProviderUsage> spent;
  ASSERT_FALSE(render_block(block("Transient"), context(), &spent).ok());
  ASSERT_EQ(spent.size(), 1u);
  EXPECT_EQ(spent[0].calls, 1u);
  EXPECT_EQ(spent[0].failures, 1u);
  ASSERT_FALSE(render_block(block("Transient"), context(), &spent).ok());  // circuit open
  EXPECT_EQ(main.texts.size(), 1u);
  ASSERT_EQ(spent.size(), 1u);
  EXPECT_EQ(spent[0].calls, 0u);
  EXPECT_EQ(spent[0].characters, 0u);
  EXPECT_EQ(spent[0].failures, 1u);
}

TEST_F(BlockRendererTest, TheAudiobookProfileAddsRoomToneAtBothEndsOfTheJob) {
  add("main");
  BlockSpec b = block("Hello there");
  b.wait_after_ms = 300;
  BlockContext c = context();
  c.profile = DeliveryProfile::kAudiobook;
  c.first = true;
  c.last = false;
  auto first = render_block(b, c);
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  // 750 ms of room tone before the 760 ms of speech; the pause as asked.
  EXPECT_NEAR(audio::samples_to_ms(first->segment.speech_samples, 44100), 750 + 760.0, 30.0);
  EXPECT_NEAR(audio::samples_to_ms(first->segment.pause_samples, 44100), 300.0, 1.0);
  c.first = false;
  c.last = true;
  auto last = render_block(b, c);
  ASSERT_TRUE(last.ok());
  EXPECT_NEAR(audio::samples_to_ms(last->segment.speech_samples, 44100), 760.0, 5.0);
  EXPECT_NEAR(audio::samples_to_ms(last->segment.pause_samples, 44100), 2000.0, 1.0);
  c.profile = DeliveryProfile::kPodcast;  // no room tone
  auto podcast = render_block(b, c);
  ASSERT_TRUE(podcast.ok());
  EXPECT_NEAR(audio::samples_to_ms(podcast->segment.pause_samples, 44100), 300.0, 1.0);
}

// The provider's marks carried through the split-request concatenation and the silence trim:
// part i's audio starts after the parts before it (each 100 ms of silence, 60 ms per byte,
// 100 ms of silence), and the trim keeps 50 ms of the first part's 100 ms lead.
TEST_F(BlockRendererTest, WordMarksFollowTheSplitAndTheTrim) {
  ScriptedProvider& main = add("main", 20);
  main.marks = true;
  const std::string text = "First part here. Second part here. Third part here.";
  auto rendered = render_block(block(text), context());
  ASSERT_TRUE(rendered.ok()) << rendered.error().to_string();
  const BlockTimings& t = rendered->timings;
  EXPECT_EQ(t.source, "scripted");
  const auto spans = word_spans(text);
  ASSERT_EQ(t.words.size(), spans.size());
  std::vector<std::size_t> part_starts;
  std::size_t at = 0;
  for (const std::string& part : split_text(text, 20)) {
    part_starts.push_back(at);
    at += part.size();
  }
  ASSERT_GE(part_starts.size(), 3u);
  const double speech_ms = audio::samples_to_ms(rendered->segment.speech_samples, 44100);
  for (std::size_t k = 0; k < spans.size(); ++k) {
    const auto part = static_cast<double>(
        std::upper_bound(part_starts.begin(), part_starts.end(), spans[k].begin) -
        part_starts.begin() - 1);
    EXPECT_EQ(t.words[k].text, text.substr(spans[k].begin, spans[k].end - spans[k].begin));
    EXPECT_NEAR(t.words[k].start_ms, 50.0 + 200.0 * part + 60.0 * spans[k].begin, 2.0)
        << t.words[k].text;
    EXPECT_LE(t.words[k].end_ms, speech_ms);
  }
}

TEST_F(BlockRendererTest, WordMarksFollowTheTimeStretch) {
  ScriptedProvider& main = add("main");
  main.marks = true;  // no native speed: 2.0 is all time stretch
  BlockSpec b = block("Quick brown fox jumps");
  b.speed = 2.0;
  auto rendered = render_block(b, context());
  ASSERT_TRUE(rendered.ok()) << rendered.error().to_string();
  const auto spans = word_spans(b.text);
  ASSERT_EQ(rendered->timings.words.size(), spans.size());
  for (std::size_t k = 0; k < spans.size(); ++k) {
    // Halved: (100 + 60 b) / 2, and the trim keeps the whole 50 ms that is left of the lead.
    EXPECT_NEAR(rendered->timings.words[k].start_ms, 50.0 + 30.0 * spans[k].begin, 15.0);
  }
}

TEST_F(BlockRendererTest, WordMarksAreCachedBesideTheAnswerAndOldEntriesStillServe) {
  for (bool raw_pcm : {false, true}) {
    SCOPED_TRACE(raw_pcm ? "16-bit PCM answers (whose bytes move into the samples)" : "WAV");
    ScriptedProvider& main = add(raw_pcm ? "pcm" : "main");
    main.raw_pcm = raw_pcm;
    check_marks_cache(main, raw_pcm ? "pcm" : "main");
  }
}

void BlockRendererTest::check_marks_cache(ScriptedProvider& main, const std::string& provider) {
  BlockContext c = cached_context();
  // An entry from before timings: the answer without marks.
  auto old = render_block(block(provider + " old entry here", provider), c);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->timings.source, "audio");
  main.marks = true;
  auto from_old = render_block(block(provider + " old entry here", provider), c);
  ASSERT_TRUE(from_old.ok());
  EXPECT_EQ(from_old->usage[0].cache_hits, 1u);
  EXPECT_EQ(from_old->timings.source, "audio");   // no marks kept for it: from its pauses
  ASSERT_EQ(from_old->timings.words.size(), 4u);  // "<provider> old entry here"
  // A new entry keeps its marks: the hit gives the same timings as the call.
  auto fresh = render_block(block(provider + " new entry here", provider), c);
  auto hit = render_block(block(provider + " new entry here", provider), c);
  ASSERT_TRUE(fresh.ok() && hit.ok());
  EXPECT_EQ(hit->usage[0].cache_hits, 1u);
  EXPECT_EQ(fresh->timings.source, "scripted");
  EXPECT_EQ(hit->timings, fresh->timings);
}

// Marks outlive their audio entry (evicted first; here removed), and the next answer, which came
// without marks, is cached under the same key: the old marks are not read with the new audio.
TEST_F(BlockRendererTest, CachedMarksAreReadOnlyWithTheAudioTheyWereMadeFor) {
  ScriptedProvider& main = add("main");
  BlockContext c = cached_context();
  main.marks = true;
  auto first = render_block(block("Said twice here"), c);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->timings.source, "scripted");
  std::size_t removed = 0;  // the audio entry (kilobytes), not the marks (a few hundred bytes)
  for (const auto& f : std::filesystem::recursive_directory_iterator(cache_dir_.path())) {
    if (f.is_regular_file() && f.file_size() > 4096) removed += std::filesystem::remove(f.path());
  }
  ASSERT_EQ(removed, 1u);
  main.marks = false;
  main.answer_ms = 60.0 * 15 * 1.1;  // another answer than the first (vendors vary)
  auto second = render_block(block("Said twice here"), c);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->usage[0].cache_hits, 0u);
  main.marks = true;
  auto hit = render_block(block("Said twice here"), c);
  ASSERT_TRUE(hit.ok());
  EXPECT_EQ(hit->usage[0].cache_hits, 1u);
  EXPECT_EQ(hit->timings.source, "audio");  // from its pauses, not the first answer's marks
}

TEST_F(BlockRendererTest, TimingsOffGivesNoneAndNoMarksAreAsked) {
  ScriptedProvider& main = add("main");
  main.marks = true;
  BlockContext c = context();
  c.options.word_timings = false;
  auto rendered = render_block(block("No timings"), c);
  ASSERT_TRUE(rendered.ok());
  EXPECT_EQ(rendered->timings, BlockTimings{});
}

TEST(SpokenLettersTest, IgnoresSpacesPunctuationAndArabicMarks) {
  EXPECT_EQ(spoken_letters("Hi, you!"), 5u);
  EXPECT_EQ(spoken_letters("مَرْحَبًا"), 5u);
  EXPECT_EQ(spoken_letters("2024"), 4u);
}

}  // namespace
}  // namespace polyvox
