// Tokenizer cost on hostile text: one line of random letters without spaces is a single BPE
// word (the worst case of the merge loop). Prints seconds per size as JSON on stdout.
//   ants-tokenizer-bench [--mb 0.01,0.1,1,10]
#include <ants/tokenizer.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>

int main(int argc, char** argv) {
  std::string sizes = "0.01,0.1,1,10";
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::string(argv[i]) == "--mb") sizes = argv[i + 1];
  const auto tok = ants::Tokenizer::builtin();
  nlohmann::json out = nlohmann::json::array();
  std::stringstream ss(sizes);
  for (std::string mb; std::getline(ss, mb, ',');) {
    const size_t n = static_cast<size_t>(std::stod(mb) * 1e6);
    std::mt19937 rng(1);
    std::string text(n, 'a');
    for (auto& c : text) c = static_cast<char>('a' + rng() % 26);
    const auto t0 = std::chrono::steady_clock::now();
    const size_t ids = tok->encode_raw(text).size();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "%s MB: %.3f s (%zu tokens)\n", mb.c_str(), s, ids);
    out.push_back({{"mb", std::stod(mb)}, {"seconds", s}, {"tokens", ids}});
  }
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
