// The Diacritizer that calls a diacritization server with the seed's protocol:
// POST DIACRITIZER_URL {"text", "max_length": 256, "num_beams": 4, "temperature": 0.2,
// "do_sample": false} → {"vocalized_text"} ({"diacritized_text"} from older servers). Text longer
// than max_length is sent in parts cut at sentence, then word, boundaries. Only the marks of an
// answer are used, put onto the text as sent (mark_merge.h): the server's model may drop or
// change words, and the user's text must stay theirs. Runs on the worker
// side, and for POST /diacritize (the studio's preview) on the API's blocking pool, never on an
// I/O thread; wiring wraps it in a CachingDiacritizer.
#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include "http/http_client.h"
#include "text/diacritizer.h"
#include "text/diacritizer_kinds.h"

namespace polyvox {

struct HttpDiacritizerOptions {
  std::string url;               // DIACRITIZER_URL
  std::size_t max_length = 256;  // characters per request (the seed's value)
  int num_beams = 4;
  double temperature = 0.2;
  bool do_sample = false;
  std::chrono::milliseconds timeout{10'000};  // the seed's timeout
};

class HttpDiacritizer : public Diacritizer {
 public:
  // `client` must outlive the diacritizer.
  HttpDiacritizer(const http::HttpClient& client, HttpDiacritizerOptions options);

  const std::string& name() const override { return name_; }

  // `text` as given, with the answers' marks added where their letters match its own (an answer
  // that lost letters of the text is logged as a warning, with counts, not text). Errors:
  // kRateLimited (429, with retry_after_s), kUnavailable (5xx, timeout, connection error, an answer
  // without the diacritized text or longer than kMaxAnswerBytes), kSynthesisFailed (the server
  // refused the text, 4xx): the first two are retried like a provider's failures. Thread-safe.
  Result<std::string> diacritize(std::string_view text) override;

  std::size_t requests_sent() const { return requests_.load(); }

  // Largest answer read for one part (a longer one fails as kUnavailable).
  static constexpr std::size_t kMaxAnswerBytes = 256 * 1024;

 private:
  Result<std::string> request(const std::string& part);

  const http::HttpClient& client_;
  HttpDiacritizerOptions options_;
  std::string name_ = "http";
  std::atomic<std::size_t> requests_{0};
};

// The kind "http": an HttpDiacritizer on DIACRITIZER_URL that keeps the client it sends through
// alive (the context's, or its own when that is null). create(): kInvalidInput when the URL is
// empty.
DiacritizerKind http_diacritizer_kind();

}  // namespace polyvox
