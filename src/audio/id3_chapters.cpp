#include "audio/id3_chapters.h"

#include <cstdint>

namespace polyvox::audio {
namespace {

void put_u32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

// ID3v2.4 sizes (of the tag and of every frame) are syncsafe: 7 bits per byte.
void put_syncsafe(std::string& out, uint32_t v) {
  for (int shift = 21; shift >= 0; shift -= 7)
    out.push_back(static_cast<char>((v >> shift) & 0x7F));
}

std::string frame(const char (&id)[5], const std::string& body) {
  std::string out(id, 4);
  put_syncsafe(out, static_cast<uint32_t>(body.size()));
  out.append(2, '\0');  // no frame flags
  out += body;
  return out;
}

std::string element_id(std::size_t index) { return "ch" + std::to_string(index); }

}  // namespace

std::string id3_chapter_tag(const std::vector<Chapter>& chapters, int sample_rate) {
  if (chapters.empty()) return {};
  std::string toc("toc", 4);  // element id with its terminator
  toc.push_back(0x03);        // top level, ordered
  toc.push_back(static_cast<char>(chapters.size()));
  for (std::size_t i = 0; i < chapters.size(); ++i) {
    toc += element_id(i);
    toc.push_back('\0');
  }
  std::string frames = frame("CTOC", toc);
  for (std::size_t i = 0; i < chapters.size(); ++i) {
    const Chapter& c = chapters[i];
    std::string body = element_id(i);
    body.push_back('\0');
    put_u32(body, chapter_ms(c.start_samples, sample_rate));
    put_u32(body, chapter_ms(c.end_samples, sample_rate));
    put_u32(body, 0xFFFFFFFF);                                // start offset: not given
    put_u32(body, 0xFFFFFFFF);                                // end offset: not given
    body += frame("TIT2", std::string(1, '\x03') + c.title);  // 3: UTF-8
    frames += frame("CHAP", body);
  }
  std::string tag("ID3\x04\x00\x00", 6);
  put_syncsafe(tag, static_cast<uint32_t>(frames.size()));
  return tag + frames;
}

}  // namespace polyvox::audio
