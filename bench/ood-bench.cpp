// Cost of one ANTS state update (all scores, λ, threshold, ENS/VSNL bookkeeping) per image batch,
// at the sizes of a real ImageNet run: 1000 ID prompts, 10,000 NegLabel rows, a full 10,000-row
// ENS bank, a 200-row VSNL bank, 512-wide features. The MLLM and text encoder are instant fakes,
// so the time is the detector's own. --scorer measures the same batch through OodScorer::score (the
// call every front end makes: zero-shot prediction + the detector, rows in and out), the C++ side
// of bench/python_overhead.py. --method M (ants, neglabel, mcm, adaneg, csp, eoe) measures that method through
// OodScorer::score on images drawn around the ID and NegLabel rows (a third each, the rest random),
// so that AdaNeg's memories fill as in a real stream.
//   ants-ood-bench [--batch 256] [--reps 10] [--activation] [--scorer] [--method M] [--threads N]
// Prints a JSON object on stdout.
#include <ants/detector.h>
#include <ants/mllm.h>
#include <ants/scorer.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include <unistd.h>

#include "core/cpu.h"

namespace {

ants::FeatureMatrix random_rows(size_t rows, int dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g;
  ants::FeatureMatrix m{rows, dim, std::vector<float>(rows * static_cast<size_t>(dim))};
  for (size_t r = 0; r < rows; ++r) {
    float* v = m.data.data() + r * static_cast<size_t>(dim);
    double n = 0;
    for (int k = 0; k < dim; ++k) v[k] = g(rng), n += static_cast<double>(v[k]) * v[k];
    for (int k = 0; k < dim; ++k) v[k] = static_cast<float>(v[k] / std::sqrt(n));
  }
  return m;
}

struct InstantMllm : ants::Mllm {
  std::vector<std::optional<std::string>> describe(const std::vector<ants::ImageRef>& images,
                                                   const std::vector<std::string>&) override {
    std::vector<std::optional<std::string>> out;
    for (const auto& f : images) out.push_back("a photo of " + f.name);
    return out;
  }
  std::vector<std::optional<std::vector<std::string>>> similar(const std::vector<std::string>& classes) override {
    std::vector<std::optional<std::vector<std::string>>> out;
    for (const auto& c : classes) out.push_back(std::vector<std::string>{c + " a", c + " b", c + " c", c + " d", c + " e"});
    return out;
  }
  bool supports_similar() const override { return true; }
  bool supports_complete() const override { return true; }
  // EOE: 250 new outlier names per request.
  std::vector<std::optional<std::string>> complete(const std::vector<std::string>& prompts) override {
    std::vector<std::optional<std::string>> out;
    for (size_t p = 0; p < prompts.size(); ++p) {
      std::string list;
      for (int k = 0; k < 250; ++k) list += "- outlier " + std::to_string(next_name++) + "\n";
      out.push_back(list);
    }
    return out;
  }
  size_t next_name = 0;
};

// Random unit rows for any text: the detector's text encoder at no cost.
class RandomTextModel : public ants::TextModel {
 public:
  explicit RandomTextModel(int dim) : dim_(dim) {}
  ants::FeatureMatrix encode_texts(const std::vector<std::string>& texts, int, const ants::ProgressFn&) const override {
    return random_rows(texts.size(), dim_, ++seed_);
  }
  ants::FeatureMatrix encode_texts_unnormalized(const std::vector<std::string>& texts, int b,
                                                const ants::ProgressFn& p) const override {
    return encode_texts(texts, b, p);
  }
  const std::string& fingerprint() const override { return none_; }
  float logit_scale() const override { return 100.f; }
  int embed_dim() const override { return dim_; }

 private:
  int dim_;
  mutable uint32_t seed_ = 100;
  std::string none_;
};

// Unit rows around rows of `a` (every third image), of `b` (the next) and random ones.
ants::FeatureMatrix stream_batch(const ants::FeatureMatrix& a, const ants::FeatureMatrix& b, size_t n, uint32_t seed) {
  ants::FeatureMatrix out = random_rows(n, a.dim, seed);
  for (size_t i = 0; i < n; ++i) {
    if (i % 3 == 2) continue;
    const ants::FeatureMatrix& src = i % 3 == 0 ? a : b;
    const float* t = src.row((i * 7919 + seed) % src.rows);
    float* v = out.row(i);
    double norm = 0;
    for (int k = 0; k < a.dim; ++k) v[k] = t[k] + 0.3f * v[k], norm += static_cast<double>(v[k]) * v[k];
    for (int k = 0; k < a.dim; ++k) v[k] = static_cast<float>(v[k] / std::sqrt(norm));
  }
  return out;
}

// A corpus from which CSP keeps 10,000 labels (15 % of 50,000 nouns and of 16,667 adjectives).
std::filesystem::path csp_corpus() {
  const auto dir = std::filesystem::temp_directory_path() / ("ants-ood-bench-corpus-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream nouns(dir / "noun.bench.txt"), adjs(dir / "adj.bench.txt");
  for (int i = 0; i < 50000; ++i) nouns << "noun" << i << "\n";
  for (int i = 0; i < 16667; ++i) adjs << "adjective" << i << "\n";
  return dir;
}

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

int main(int argc, char** argv) {
  size_t batch = 256, reps = 10;
  bool activation = false, scorer = false;
  std::string method;
  int threads = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--batch" && i + 1 < argc) batch = std::stoul(argv[++i]);
    else if (a == "--reps" && i + 1 < argc) reps = std::stoul(argv[++i]);
    else if (a == "--threads" && i + 1 < argc) threads = std::stoi(argv[++i]);
    else if (a == "--activation") activation = true;
    else if (a == "--scorer") scorer = true;
    else if (a == "--method" && i + 1 < argc) method = argv[++i], scorer = true;
    else {
      std::fprintf(stderr, "usage: %s [--batch N] [--reps N] [--activation] [--scorer] [--method M] [--threads N]\n", argv[0]);
      return 2;
    }
  }
  ants::core::set_compute_threads(threads);
  constexpr int kDim = 512;
  std::vector<std::string> names;
  for (int c = 0; c < 1000; ++c) names.push_back("class " + std::to_string(c));
  InstantMllm mllm;
  ants::DetectorOptions o;
  o.neglabel_init = true;  // a full 10,000-row ENS bank from the first batch
  o.gamma0 = 1.f;          // every image a candidate: ENS updates (threshold, describe) in the timed batches
  o.near_start_batch = 1;
  o.near_interval = 1000000;  // VSNL fills its bank at batch 1 (warm-up), then stays
  o.activation_aware = activation;
  uint32_t seed = 100;
  ants::AntsDetector det(random_rows(1000, kDim, 1), random_rows(10000, kDim, 2), 100.f, names,
                         [&](const std::vector<std::string>& t) { return random_rows(t.size(), kDim, ++seed); }, &mllm, o);
  RandomTextModel text(kDim);
  ants::ScorerOptions so;
  so.detector = o;
  so.negatives_bank = random_rows(10000, kDim, 2);
  if (!method.empty()) so.method = ants::parse_method(method);
  std::filesystem::path corpus;
  so.eoe.count = 2000;  // EOE: 40 requests of 250 names = 10,000 envisioned names
  if (so.method == ants::Method::eoe) so.negatives_bank.reset();  // EOE's bank is what the MLLM names
  if (so.method == ants::Method::csp) {  // CSP builds its own bank (and ID ensembles)
    so.negatives_bank.reset();
    so.neglabel.corpus_dir = corpus = csp_corpus();
  }
  // The ID prompts as the scorer embeds them (RandomTextModel's first draw), for the streams.
  const ants::FeatureMatrix id_rows = random_rows(1000, kDim, 101);
  ants::OodScorer through(text, names, so, &mllm);
  if (!corpus.empty()) std::filesystem::remove_all(corpus);
  std::vector<ants::ImageRef> files(batch);
  for (size_t i = 0; i < batch; ++i) files[i] = ants::ImageRef::file("img" + std::to_string(i) + ".jpg");
  std::vector<double> secs;
  for (size_t r = 0; r <= reps; ++r) {
    const uint32_t draw = 1000 + static_cast<uint32_t>(r);
    const ants::FeatureMatrix images = method.empty()                ? random_rows(batch, kDim, draw)
                                       : so.negatives_bank ? stream_batch(id_rows, *so.negatives_bank, batch, draw)
                                                           : random_rows(batch, kDim, draw);
    std::vector<ants::ImageEmbedding> rows(batch);
    for (size_t i = 0; i < batch; ++i) rows[i] = {files[i].name, images.row_vector(i), {}};
    const double t0 = now_s();
    if (scorer) through.score(rows, files);
    else det.process(images, files);
    if (r > 0) secs.push_back(now_s() - t0);  // batch 1 builds the VSNL bank: warm-up
    std::fprintf(stderr, "\rood-bench: batch %zu/%zu", r + 1, reps + 1);
  }
  std::fprintf(stderr, "\n");
  double mean = 0, sd = 0;
  for (double s : secs) mean += s;
  mean /= static_cast<double>(secs.size());
  for (double s : secs) sd += (s - mean) * (s - mean);
  sd = secs.size() > 1 ? std::sqrt(sd / static_cast<double>(secs.size() - 1)) : 0;
  const ants::DetectorStats st = scorer ? through.stats() : det.stats();
  nlohmann::json j = {{"batch", batch},
                      {"through", scorer ? "OodScorer::score" : "AntsDetector::process"},
                      {"method", ants::method_name(scorer ? through.method() : ants::Method::ants)},
                      {"memory_images", st.memory_images},
                      {"activation_aware", activation},
                      {"id_rows", 1000},
                      {"negative_rows", through.negatives()},
                      {"ens_rows", st.far_rows},
                      {"vsnl_rows", st.near_rows},
                      {"ens_updates", st.ens_updates},
                      {"seconds_per_batch", {{"mean", mean}, {"sd", sd}, {"reps", secs.size()}}}};
  std::printf("%s\n", j.dump(1).c_str());
  return 0;
}
