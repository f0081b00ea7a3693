#include "providers/flite_provider.h"

#include <dlfcn.h>
#include <flite/flite.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string_view>

#include "core/utf8.h"

namespace polyvox {
namespace {

struct VoiceEntry {
  const char* name;
  const char* language;
  const char* gender;
};

// Each voice lives in libflite_cmu_us_NAME.so.1 (Debian's libflite1), whose
// register_cmu_us_NAME() builds it.
constexpr VoiceEntry kVoices[] = {
    {"slt", "en-us", "female"}, {"rms", "en-us", "male"},   {"awb", "en-gb-scotland", "male"},
    {"kal", "en-us", "male"},   {"kal16", "en-us", "male"},
};

// Loads the voice's library (kept loaded) and registers the voice; an error that says what is
// missing when the library or its function cannot be found.
Result<cst_voice*> load_voice(const std::string& name) {
  const std::string library = "libflite_cmu_us_" + name + ".so.1";
  void* handle = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    return Error{ErrorKind::kSynthesisFailed,
                 "flite voice '" + name + "' is not installed (" + library + ")", ""};
  }
  using Registrar = cst_voice* (*)(const char*);
  const std::string symbol = "register_cmu_us_" + name;
  auto registrar = reinterpret_cast<Registrar>(::dlsym(handle, symbol.c_str()));
  if (registrar == nullptr) {
    return Error{ErrorKind::kSynthesisFailed, library + " has no " + symbol, ""};
  }
  cst_voice* voice = registrar(nullptr);
  if (voice == nullptr) {
    return Error{ErrorKind::kSynthesisFailed, "flite could not register voice '" + name + "'", ""};
  }
  return voice;
}

// Flite's shared state (lexicon, registered voices) is touched under this mutex only.
std::mutex& flite_mutex() {
  static std::mutex mutex;
  return mutex;
}

// The voice called `name`, loaded and registered with flite on first use (each voice's data
// costs memory only once it speaks). REQUIRES: flite_mutex() held.
Result<cst_voice*> registered_voice(const std::string& name) {
  static std::map<std::string, cst_voice*> registered;
  auto it = registered.find(name);
  if (it != registered.end()) return it->second;
  for (const auto& entry : kVoices) {
    if (name != entry.name) continue;
    auto voice = load_voice(name);
    if (voice) registered[name] = *voice;
    return voice;
  }
  return Error{ErrorKind::kSynthesisFailed, "flite has no voice '" + name + "'", ""};
}

// Adds the words of `utterance` to `marks` as marks over `text`: each token of its Token
// relation (the text's white-space delimited tokens, punctuation aside) found in the text in
// order from `cursor` on (which moves past it), heard from the start of its first word's first
// segment to the end of its last word's last segment (the Segment relation's end times, in
// seconds), plus `offset_ms` (where the utterance starts in the answer).
void add_marks(cst_utterance* utterance, const std::string& text, std::size_t& cursor,
               double offset_ms, SpeechMarks& marks) {
  cst_relation* tokens = utt_relation(utterance, "Token");
  if (!tokens) return;
  for (const cst_item* token = relation_head(tokens); token; token = item_next(token)) {
    const cst_item* first = item_daughter(token);
    const cst_item* last = item_last_daughter(token);
    if (!first || !last) continue;  // punctuation alone: no word, no sound
    const std::string name = item_feat_string(token, "name");
    const std::size_t at = name.empty() ? std::string::npos : text.find(name, cursor);
    if (at == std::string::npos) continue;
    cursor = at + name.size();
    const cst_item* first_segment =
        path_to_item(first, "R:SylStructure.daughter1.daughter1.R:Segment");
    const cst_item* last_segment =
        path_to_item(last, "R:SylStructure.daughtern.daughtern.R:Segment");
    if (!first_segment || !last_segment) continue;
    const cst_item* before = item_prev(first_segment);
    const double start_s = before ? item_feat_float(before, "end") : 0.0;
    marks.marks.push_back({at, cursor, offset_ms + 1000.0 * start_s,
                           offset_ms + 1000.0 * item_feat_float(last_segment, "end")});
  }
}

// Bounds on what flite synthesizes at once, whose cost grows faster than its length: one token
// of 4,000 digits (4,000 words) took 37 s and 800 MB, under flite_mutex(); 500 words of
// ordinary text 3 s.
constexpr std::size_t kMaxTokenBytes = 64;
constexpr std::size_t kMaxUtteranceBytes = 600;

// The bytes of `rest` (what is left of a token) that go in as one piece: all of it up to
// kMaxTokenBytes; else up to the last separator of a URL, an address or a number ("/", ".",
// "-", ",", ...) within them, or kMaxTokenBytes cut at a character.
std::size_t token_piece_bytes(std::string_view rest) {
  if (rest.size() <= kMaxTokenBytes) return rest.size();
  const std::string_view window = cut_utf8(rest, kMaxTokenBytes);
  if (window.empty()) return rest.size();  // not UTF-8 after all: as it is
  const std::size_t separator = window.find_last_of("/.-,:;?&=_@+#~");
  if (separator != std::string_view::npos && separator >= 8) return separator + 1;
  return window.size();
}

// `text` spoken by `voice` into `out` (samples, rate, word marks), utterance by utterance as
// flite's own reader does (flite_ts_to_speech): the text's tokens are gathered into an utterance
// until the voice's utt_break function says a sentence ends (or 500 tokens, or
// kMaxUtteranceBytes; a token longer than kMaxTokenBytes goes in as pieces), which is then
// synthesized, its wave appended and the utterance freed before the next one. Synthesized as
// one utterance, a long block held flite's working memory for all of it at once (about 1 MB a
// second of speech: 70 MB for 1,200 characters). REQUIRES: flite_mutex() held.
Status synthesize_utterances(const std::string& text, cst_voice* voice, audio::EncodedAudio& out) {
  cst_tokenstream* ts =
      ts_open_string(text.c_str(), get_param_string(voice->features, "text_whitespace", nullptr),
                     get_param_string(voice->features, "text_singlecharsymbols", nullptr),
                     get_param_string(voice->features, "text_prepunctuation", nullptr),
                     get_param_string(voice->features, "text_postpunctuation", nullptr));
  if (!ts) return Error{ErrorKind::kSynthesisFailed, "flite cannot read the text", ""};
  cst_breakfunc breaks = default_utt_break;
  if (feat_present(voice->features, "utt_break")) {
    breaks = val_breakfunc(feat_val(voice->features, "utt_break"));
  }
  out.marks.source = "flite";
  std::size_t cursor = 0;
  bool spoken = false;
  // Synthesizes `utterance` (consumed) and appends what it says.
  auto speak = [&](cst_utterance* utterance) -> bool {
    utterance = flite_do_synth(utterance, voice, utt_synth_tokens);
    const cst_wave* wave = utterance ? utt_wave(utterance) : nullptr;
    if (wave && out.sample_rate != 0 && wave->sample_rate != out.sample_rate) wave = nullptr;
    if (wave) {
      if (out.sample_rate == 0) out.sample_rate = wave->sample_rate;
      const double offset_ms = 1000.0 * static_cast<double>(out.bytes.size() / 2) / out.sample_rate;
      add_marks(utterance, text, cursor, offset_ms, out.marks);
      const auto* bytes = reinterpret_cast<const char*>(wave->samples);
      out.bytes.append(bytes, static_cast<std::size_t>(wave->num_samples) * 2);
      spoken = true;
    }
    const bool said = wave != nullptr;
    if (utterance) delete_utterance(utterance);
    return said;
  };
  cst_utterance* utterance = nullptr;  // what is gathered; null when nothing is
  cst_relation* tokens = nullptr;
  int count = 0;          // tokens in `utterance`
  std::size_t bytes = 0;  // their bytes
  bool ok = true;
  // Speaks what is gathered (if anything: speak() frees the utterance) and starts afresh.
  auto flush = [&] {
    if (utterance && ok && relation_head(tokens)) {
      ok = speak(utterance);
    } else if (utterance) {
      delete_utterance(utterance);
    }
    utterance = nullptr;
    tokens = nullptr;
    count = 0;
    bytes = 0;
  };
  auto append = [&](const std::string& name, const char* whitespace, const char* pre,
                    const char* post) {
    if (!utterance) {
      utterance = new_utterance();
      tokens = utt_relation_create(utterance, "Token");
    }
    ++count;
    bytes += name.size();
    cst_item* item = relation_append(tokens, nullptr);
    item_set_string(item, "name", name.c_str());
    item_set_string(item, "whitespace", whitespace);
    item_set_string(item, "prepunctuation", pre);
    item_set_string(item, "punc", post);
  };
  // Each ts_get() consumes at least a byte, or the stream is at its end: the guard only bounds
  // the loop should flite ever do otherwise.
  for (std::size_t guard = 0; ok && !ts_eof(ts) && guard <= text.size(); ++guard) {
    const char* token = ts_get(ts);
    const std::string_view whole(token, std::strlen(token));
    if (whole.empty()) continue;
    if (utterance && relation_head(tokens) && (count > 500 || breaks(ts, token, tokens))) {
      flush();
    }
    // A token longer than kMaxTokenBytes (a run of digits or letters, a URL) goes in as pieces,
    // each read as its own token: flite expands one token into all its words at once.
    for (std::size_t at = 0; at < whole.size() && ok;) {
      const std::string piece(whole.substr(at, token_piece_bytes(whole.substr(at))));
      const bool first = at == 0;
      at += piece.size();
      if (utterance && (bytes + piece.size() > kMaxUtteranceBytes || count > 500)) flush();
      append(piece, first ? ts->whitespace : "", first ? ts->prepunctuation : "",
             at == whole.size() ? ts->postpunctuation : "");
    }
  }
  flush();
  ts_close(ts);
  if (!ok || !spoken) return Error{ErrorKind::kSynthesisFailed, "flite synthesis failed", ""};
  if (out.bytes.empty()) {
    // Every word unknown to its English lexicon and letter rules (letters outside ASCII): said
    // here, not left to be taken for an empty, undecodable answer (a vendor's transient fault).
    return Error{ErrorKind::kSynthesisFailed,
                 "flite said nothing: its voices read English letters and digits only", ""};
  }
  return Status::success();
}

}  // namespace

LocalProviderKind flite_provider_kind() { return {"flite", start_local_provider<FliteProvider>}; }

Result<std::unique_ptr<FliteProvider>> FliteProvider::create() {
  std::lock_guard lock(flite_mutex());
  static const bool initialized = (flite_init(), true);
  (void)initialized;
  return std::unique_ptr<FliteProvider>(new FliteProvider());
}

VoiceList FliteProvider::voices() const {
  static const VoiceList kList = [] {
    std::vector<VoiceInfo> out;
    for (const auto& entry : kVoices) {
      out.push_back({entry.name, entry.name, entry.language, entry.gender});
    }
    return VoiceList(std::move(out));
  }();
  return kList;
}

std::optional<std::string> FliteProvider::resolve_voice(std::string_view voice) const {
  std::string key(voice);
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (key == "default") key = "slt";
  for (const auto& entry : kVoices) {
    if (key == entry.name) return key;
  }
  return std::nullopt;
}

Result<audio::EncodedAudio> FliteProvider::synthesize(const SynthesisRequest& request) {
  audio::EncodedAudio out;
  out.encoding = audio::AudioEncoding::kPcmS16le;
  {
    std::lock_guard lock(flite_mutex());
    auto voice = registered_voice(request.voice_id);
    if (!voice) return voice.take_error();
    feat_set_float((*voice)->features, "duration_stretch", static_cast<float>(1.0 / request.speed));
    // A NUL would end the text there (the rest unspoken, still given time in the marks).
    const std::string text = with_ascii_controls_as_spaces(request.text);
    if (Status s = synthesize_utterances(text, *voice, out); !s) return s.error();
  }
  return out;
}

}  // namespace polyvox
