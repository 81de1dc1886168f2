// Tokenizer cost on hostile text. Prints seconds per size as JSON on stdout.
//   ants-tokenizer-bench [--mb 0.01,0.1,1,10] [--kind letters|mojibake|mojibake-run]
// letters: one line of random letters without spaces, a single BPE word (the worst case of the
// merge loop). mojibake: one line of mis-decoded words among characters no single-byte encoding
// holds, so ftfy's fix_encoding repairs them run by run. mojibake-run: one line that is a single
// such run (one repetition of the detector's group per two characters).
#include <ants/tokenizer.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>

// About `bytes` bytes of UTF-8 of the given kind.
std::string make_text(const std::string& kind, size_t bytes) {
  std::string text;
  if (kind == "letters") {
    std::mt19937 rng(1);
    text.assign(bytes, 'a');
    for (auto& c : text) c = static_cast<char>('a' + rng() % 26);
  } else if (kind == "mojibake") {
    while (text.size() < bytes) text += "caf\u00c3\u00a9 \u4e2d na\u00c3\u00afve \u00e2\u20ac\u201d ";
  } else if (kind == "mojibake-run") {
    while (text.size() + 3 < bytes) text += "\u00c3\u00a9";
    text += "\u4e2d";
  } else {
    throw std::invalid_argument("--kind: letters, mojibake or mojibake-run, not " + kind);
  }
  return text;
}

int main(int argc, char** argv) {
  std::string sizes = "0.01,0.1,1,10", kind = "letters";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--mb") sizes = argv[i + 1];
    if (std::string(argv[i]) == "--kind") kind = argv[i + 1];
  }
  const auto tok = ants::Tokenizer::builtin();
  nlohmann::json out = nlohmann::json::array();
  std::stringstream ss(sizes);
  for (std::string mb; std::getline(ss, mb, ',');) {
    const size_t n = static_cast<size_t>(std::stod(mb) * 1e6);
    const std::string text = make_text(kind, n);
    const auto t0 = std::chrono::steady_clock::now();
    const size_t ids = tok->encode_raw(text).size();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "%s MB: %.3f s (%zu tokens)\n", mb.c_str(), s, ids);
    out.push_back({{"kind", kind}, {"mb", std::stod(mb)}, {"seconds", s}, {"tokens", ids}});
  }
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
