#include "text/http_diacritizer.h"

#include <nlohmann/json.hpp>

#include "core/json_input.h"
#include "core/utf8.h"
#include "log/log.h"
#include "text/mark_merge.h"
#include "text/text_splitter.h"

namespace polyvox {

HttpDiacritizer::HttpDiacritizer(const http::HttpClient& client, HttpDiacritizerOptions options)
    : client_(client), options_(std::move(options)) {}

Result<std::string> HttpDiacritizer::request(const std::string& part) {
  http::HttpClientRequest req;
  req.method = "POST";
  req.url = options_.url;
  req.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  req.body = nlohmann::json{{"text", part},
                            {"max_length", options_.max_length},
                            {"num_beams", options_.num_beams},
                            {"temperature", options_.temperature},
                            {"do_sample", options_.do_sample}}
                 .dump();
  req.total_timeout = options_.timeout;
  // A part's answer is its text with marks (a few KiB even with every character escaped as
  // \uXXXX): a server sending more is broken, and is not read further.
  req.max_response_bytes = kMaxAnswerBytes;
  ++requests_;
  auto res = client_.send(req);
  if (!res) {
    // The details (the service's address, libcurl's words) go to the log, not to whoever asked:
    // the message reaches API clients (POST /diacritize, a job's error).
    log::warn("diacritizer request failed", {{"error", res.error().message}});
    Error e = res.error();
    e.kind = ErrorKind::kUnavailable;
    e.message = "diacritizer: the service did not answer (the server log says why)";
    return e;
  }
  const auto body = parse_untrusted_json(res->body);
  // What the service said of a failure, at most 200 bytes of it (its body may be a page).
  auto server_message = [&] {
    std::string said = res->body;
    if (body.is_object()) {
      for (const char* key : {"detail", "error", "message"}) {
        if (auto it = body.find(key); it != body.end()) {
          said = it->is_string() ? it->get<std::string>() : it->dump();
          break;
        }
      }
    }
    return to_valid_utf8(cut_utf8(said, 200));
  };
  if (res->status == 429) {
    Error e{ErrorKind::kRateLimited, "diacritizer: rate limited", ""};
    e.retry_after_s = http::retry_after_seconds(*res).value_or(0);
    return e;
  }
  if (res->status >= 500) {
    return Error{ErrorKind::kUnavailable,
                 "diacritizer: HTTP " + std::to_string(res->status) + ": " + server_message(), ""};
  }
  if (res->status >= 400) {
    return Error{ErrorKind::kSynthesisFailed,
                 "diacritizer refused the text: HTTP " + std::to_string(res->status) + ": " +
                     server_message(),
                 ""};
  }
  if (body.is_object()) {
    for (const char* key : {"vocalized_text", "diacritized_text"}) {
      if (auto it = body.find(key); it != body.end() && it->is_string()) {
        return it->get<std::string>();
      }
    }
  }
  return Error{ErrorKind::kUnavailable, "diacritizer: answer without vocalized_text", ""};
}

Result<std::string> HttpDiacritizer::diacritize(std::string_view text) {
  const std::string whole(text);
  std::string out;
  for (const std::string& part : split_text(whole, options_.max_length)) {
    // The white space around a part is kept here: servers may not give it back.
    const std::string_view core = trim_utf8(part);
    if (core.empty()) {
      out += part;
      continue;
    }
    const std::size_t lead = static_cast<std::size_t>(core.data() - part.data());
    auto answer = request(std::string(core));
    if (!answer) return answer.take_error();
    // Only the answer's marks are taken, onto the text as sent (mark_merge.h).
    MergedMarks merged = merge_marks(core, *answer);
    if (!merged.same_text) {
      // Letters the answer lost stay unmarked: worth a warning. A server that only rewrites
      // punctuation or spaces would raise one at every request: debug.
      const bool lost = merged.letters_aligned < merged.letters;
      log::write(lost ? log::Level::kWarn : log::Level::kDebug,
                 "diacritizer answered another text: its marks were kept where it matched",
                 {{"letters", static_cast<long long>(merged.letters)},
                  {"letters_matched", static_cast<long long>(merged.letters_aligned)},
                  {"answer_bytes", static_cast<long long>(answer->size())}});
    }
    out += part.substr(0, lead) + merged.text + part.substr(lead + core.size());
  }
  return out;
}

DiacritizerKind http_diacritizer_kind() {
  DiacritizerKind kind;
  kind.name = "http";
  kind.create = [](const DiacritizerContext& context) -> Result<std::unique_ptr<Diacritizer>> {
    if (context.url.empty()) {
      return Error{ErrorKind::kInvalidInput, "DIACRITIZER=http needs DIACRITIZER_URL", ""};
    }
    std::shared_ptr<const http::HttpClient> client = context.http;
    if (!client) client = std::make_shared<http::HttpClient>();
    HttpDiacritizerOptions options;
    options.url = context.url;
    // The client must live as long as the diacritizer: keep it with it.
    struct Owning : HttpDiacritizer {
      Owning(std::shared_ptr<const http::HttpClient> client, HttpDiacritizerOptions o)
          : HttpDiacritizer(*client, std::move(o)), client_(std::move(client)) {}
      std::shared_ptr<const http::HttpClient> client_;
    };
    return std::unique_ptr<Diacritizer>(std::make_unique<Owning>(client, std::move(options)));
  };
  return kind;
}

}  // namespace polyvox
