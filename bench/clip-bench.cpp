// End-to-end CLIP engine benchmark: image embeddings/s per batch size and text prompts/s for one
// precision, plus peak RSS of the process (run one precision per process so RSS is its own).
//   ants-bench --model DIR --precision bf16 [--batches 1,8,32] [--reps 3] [--prompts 10000] [--words FILE]
// Prints a JSON object on stdout; progress on stderr.
#include <ants/clip.h>
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;
}

struct Stats {
  double mean = 0, sd = 0;
};
Stats stats(const std::vector<double>& v) {
  Stats s;
  for (double x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  for (double x : v) s.sd += (x - s.mean) * (x - s.mean);
  s.sd = v.size() > 1 ? std::sqrt(s.sd / static_cast<double>(v.size() - 1)) : 0;
  return s;
}

// "The nice {word}." prompts: words from a file (one per line, e.g. a WordNet list), cycled, or
// made-up words of 2-4 syllables when no file is given.
std::vector<std::string> prompts(const std::string& words_file, size_t n) {
  std::vector<std::string> words;
  if (!words_file.empty()) {
    std::ifstream in(words_file);
    for (std::string w; std::getline(in, w);) {
      if (!w.empty()) words.push_back(w);
    }
  }
  static const char* syll[] = {"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "be", "da", "fe", "go", "hu", "ji", "pe", "zo"};
  std::mt19937 rng(0);
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    std::string w;
    if (!words.empty()) {
      w = words[i % words.size()];
    } else {
      const int parts = 2 + static_cast<int>(rng() % 3);
      for (int p = 0; p < parts; ++p) w += syll[rng() % 16];
    }
    out.push_back("The nice " + w + ".");
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_dir, precision = "bf16", batches = "1,8,32", words_file;
  int reps = 3, n_prompts = 10000, threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--model") model_dir = v;
    else if (k == "--precision") precision = v;
    else if (k == "--batches") batches = v;
    else if (k == "--reps") reps = std::stoi(v);
    else if (k == "--prompts") n_prompts = std::stoi(v);
    else if (k == "--threads") threads = std::stoi(v);
    else if (k == "--words") words_file = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  try {
    ants::ClipParams params;
    params.precision = ants::parse_precision(precision);
    params.n_threads = threads;
    double t0 = now_s();
    auto model = ants::ClipModel::load(model_dir, params);
    nlohmann::json out = {{"model", model_dir}, {"precision", precision}, {"threads", threads},
                          {"load_s", now_s() - t0}, {"image_size", model->info().image_size}};
    const int S = model->info().image_size, D = model->info().embed_dim;
    std::stringstream ss(batches);
    for (std::string b; std::getline(ss, b, ',');) {
      const int n = std::stoi(b);
      std::vector<float> px(static_cast<size_t>(n) * 3 * S * S), emb(static_cast<size_t>(n) * D);
      std::mt19937 rng(1);
      std::normal_distribution<float> dist(0.f, 1.f);
      for (auto& x : px) x = dist(rng);
      model->encode_images(px.data(), n, emb.data());  // warm-up: kernels generated, pages touched
      std::vector<double> rates;
      for (int r = 0; r < reps; ++r) {
        double s = now_s();
        model->encode_images(px.data(), n, emb.data());
        rates.push_back(n / (now_s() - s));
      }
      Stats st = stats(rates);
      std::fprintf(stderr, "%s batch %d: %.2f ± %.2f images/s\n", precision.c_str(), n, st.mean, st.sd);
      out["images_per_s"][b] = {{"mean", st.mean}, {"sd", st.sd}};
    }
    if (n_prompts > 0) {
      auto texts = prompts(words_file, static_cast<size_t>(n_prompts));
      model->encode_texts(std::vector<std::string>(texts.begin(), texts.begin() + std::min<size_t>(256, texts.size())));
      double s = now_s();
      model->encode_texts(texts);
      const double sec = now_s() - s;
      std::fprintf(stderr, "%s %d prompts: %.2f s (%.0f prompts/s)\n", precision.c_str(), n_prompts, sec, n_prompts / sec);
      out["prompts"] = {{"count", n_prompts}, {"seconds", sec}, {"per_s", n_prompts / sec}};
    }
    out["peak_rss_mib"] = peak_rss_mib();
    std::printf("%s\n", out.dump().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ants-bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
