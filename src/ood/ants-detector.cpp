// The ANTS per-batch procedure of method.md §4.2, in the HEAD order.
#include <ants/negatives.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "core/error.h"
#include "ood/activation-aware.h"
#include "ood/adaptive-threshold.h"
#include "ood/detector-state.h"
#include "ood/fusion.h"
#include "ood/grouped-score.h"
#include "ood/id-noise.h"
#include "ood/round-count.h"
#include "text/labels.h"
#include "ood/logits.h"

namespace ants {
namespace {

void check_matrix(const FeatureMatrix& m, const char* what) {
  if (m.dim <= 0 || m.data.size() != m.rows * static_cast<size_t>(m.dim))
    core::fail(ErrorCode::invalid_argument, what,
               "feature matrix holds " + std::to_string(m.data.size()) + " values, expected " +
                   std::to_string(m.rows) + " rows x " + std::to_string(m.dim));
}

// [new; old] keeping the last `cap` rows: on overflow the newest rows go (method.md §4.4).
void enqueue(FeatureMatrix& bank, std::vector<std::string>& labels, const FeatureMatrix& add,
             const std::vector<std::string>& add_labels, size_t cap) {
  if (add.rows == 0) return;
  bank.dim = add.dim;
  bank.data.insert(bank.data.begin(), add.data.begin(), add.data.end());
  labels.insert(labels.begin(), add_labels.begin(), add_labels.end());
  bank.rows += add.rows;
  if (bank.rows <= cap) return;
  const size_t drop = bank.rows - cap;
  bank.data.erase(bank.data.begin(), bank.data.begin() + static_cast<std::ptrdiff_t>(drop * static_cast<size_t>(bank.dim)));
  labels.erase(labels.begin(), labels.begin() + static_cast<std::ptrdiff_t>(drop));
  bank.rows = cap;
}

// Plain and balanced scores of every image of the batch against one bank.
struct BankScores {
  std::vector<double> plain, balanced;
};

BankScores score_bank(const std::vector<float>& id_logits, size_t n_id, const std::vector<float>& bank_logits,
                      size_t rows, const ood::Grouping& plain_g, const ood::Grouping& balanced_g) {
  const size_t b = id_logits.size() / n_id;
  BankScores s{std::vector<double>(b), std::vector<double>(b)};
  std::vector<double> exps;
  for (size_t i = 0; i < b; ++i) {
    const double a = ood::shifted_exponentials(&id_logits[i * n_id], n_id, &bank_logits[i * rows], rows, exps);
    s.plain[i] = ood::grouped_id_mass(a, exps.data(), rows, plain_g);
    s.balanced[i] = ood::grouped_id_mass(a, exps.data(), rows, balanced_g);
  }
  return s;
}

}  // namespace

void ood::DetectorImpl::init_state(uint64_t seed) {
  s = DetectorState{};
  s.seed = seed;
  s.gamma = opt.gamma0;
  s.far.dim = s.near.dim = id_texts.dim;
  if (opt.neglabel_init) {
    s.far = negatives;
    for (size_t k = 0; k < negatives.rows; ++k) s.far_labels.push_back("neglabel:" + std::to_string(k));
  }
}

FeatureMatrix ood::DetectorImpl::encode(const std::vector<std::string>& texts) const {
  FeatureMatrix f = encoder(texts);
  if (f.rows != texts.size() || f.dim != id_texts.dim || f.data.size() != f.rows * static_cast<size_t>(f.dim))
    core::fail(ErrorCode::invalid_argument, "text encoder",
               "returned " + std::to_string(f.rows) + " rows of width " + std::to_string(f.dim) + " for " +
                   std::to_string(texts.size()) + " texts of width " + std::to_string(id_texts.dim));
  return f;
}

void ood::DetectorImpl::collect_candidates(const std::vector<DetectorScore>& out,
                                            const std::vector<ImageRef>& files) {
  if (s.e >= opt.ens_stop_step || files.empty()) return;
  for (size_t i = 0; i < out.size(); ++i) {
    if (!(out[i].base < s.gamma)) continue;
    s.cand_files.push_back(files[i]);
    s.cand_preds.push_back(out[i].pred);
  }
}

void ood::DetectorImpl::maybe_update_far() {
  if (s.e >= opt.ens_stop_step || s.cand_files.size() <= opt.min_candidates) return;
  if (opt.threshold_rule == ThresholdRule::head) s.gamma = ood::adaptive_threshold(s.base_history, opt.eta).gamma;
  if (opt.threshold_rule == ThresholdRule::paper) s.gamma = ood::paper_threshold(s.base_history, opt.eta, opt.gamma0);
  std::vector<std::optional<std::string>> answers(s.cand_files.size());
  if (mllm != nullptr) {
    std::vector<std::string> names;
    for (int p : s.cand_preds) names.push_back(class_names[static_cast<size_t>(p)]);
    try {
      answers = mllm->describe(s.cand_files, names);
    } catch (...) {  // an Mllm must not throw; if one does, the stream still goes on
      answers.clear();
    }
    answers.resize(s.cand_files.size());
    s.describe_requests += static_cast<int64_t>(answers.size());
    s.describe_failures += std::count(answers.begin(), answers.end(), std::nullopt);
  }
  s.cand_files.clear();
  s.cand_preds.clear();
  add_far_labels(text::normalize_labels(answers));
  ++s.e;
}

void ood::DetectorImpl::add_far_labels(std::vector<std::string> labels) {
  if (labels.empty()) return;
  if (opt.ens_id_noise > 0) inject_id_noise(labels, class_names, opt.ens_id_noise, s.seed, static_cast<uint64_t>(s.noise_draws++));
  enqueue(s.far, s.far_labels, encode(labels), labels, opt.queue_cap);
}

// The classes VSNL covers at this update (NearSelect).
std::vector<int> ood::DetectorImpl::near_classes() const {
  if (opt.near_select == NearSelect::top) return s.predictions.most_common(opt.similar_limit);
  if (opt.near_select == NearSelect::ratio) {
    return s.mined_predictions.most_common(round_count(opt.near_ratio * static_cast<double>(class_names.size())));
  }
  std::vector<int> all(class_names.size());
  std::iota(all.begin(), all.end(), 0);
  return all;
}

void ood::DetectorImpl::maybe_update_near() {
  if (mllm == nullptr || opt.caption_only || !mllm->supports_similar()) return;
  if (s.t < opt.near_start_batch || (s.t - opt.near_start_batch) % opt.near_interval != 0) return;
  const std::vector<int> top = near_classes();
  std::vector<int> fresh;
  for (int c : top)
    if (!ood::cache_has(s.cache, c)) fresh.push_back(c);
  if (!fresh.empty()) {
    std::vector<std::string> names;
    for (int c : fresh) names.push_back(class_names[static_cast<size_t>(c)]);
    std::vector<std::optional<std::vector<std::string>>> answers;
    try {
      answers = mllm->similar(names);
    } catch (...) {
      answers.clear();
    }
    answers.resize(fresh.size());
    s.similar_requests += static_cast<int64_t>(fresh.size());
    for (size_t k = 0; k < fresh.size(); ++k) {
      // A class without an answer stays out of the cache, so the next round asks again.
      if (!answers[k]) {
        ++s.similar_failures;
        continue;
      }
      s.cache.emplace_back(fresh[k], text::normalize_labels(*answers[k]));
    }
  }
  ood::evict_inactive(s.cache, top);
  rebuild_near();
  ++s.vsnl_updates;
}

void ood::DetectorImpl::rebuild_near() {
  s.near_labels = ood::flatten_labels(s.cache);
  s.near = FeatureMatrix{0, id_texts.dim, {}};
  if (!s.near_labels.empty()) {
    std::vector<std::string> prompts;
    for (const auto& l : s.near_labels) prompts.push_back(apply_template(opt.near_template, l));
    s.near = encode(prompts);
  }
}

// An asynchronous MLLM's answers to earlier updates: descriptions join the ENS bank as one more
// group (not an update: E_max counts the updates that asked), labels fill the VSNL cache entry
// of a class that has none yet (the next VSNL update evicts it if the class is no longer frequent).
void ood::DetectorImpl::apply_late_answers() {
  if (mllm == nullptr) return;
  MllmLateAnswers late;
  try {
    late = mllm->poll();
  } catch (...) {  // an Mllm must not throw; if one does, the stream still goes on
    return;
  }
  add_far_labels(text::normalize_labels(late.descriptions));
  bool near_changed = false;
  for (const auto& [name, answer] : late.similar) {
    const auto it = std::find(class_names.begin(), class_names.end(), name);
    if (it == class_names.end()) continue;
    const int c = static_cast<int>(it - class_names.begin());
    if (ood::cache_has(s.cache, c)) continue;
    s.cache.emplace_back(c, text::normalize_labels(answer));
    near_changed = true;
  }
  if (near_changed) rebuild_near();
}

void ood::DetectorImpl::score_banks(const FeatureMatrix& images, const std::vector<float>& id_logits,
                                     const std::vector<bool>& mined, std::vector<DetectorScore>& out) {
  const size_t n = id_texts.rows, b = images.rows;
  std::vector<double> far_bal(b), near_bal(b);
  for (size_t i = 0; i < b; ++i) {
    out[i].far = out[i].near = out[i].base;
    far_bal[i] = near_bal[i] = out[i].base;
  }
  std::vector<float> logits;
  if (s.far.rows > 0) {
    ood::compute_logits(images, s.far, scale, logits);
    const BankScores f = score_bank(id_logits, n, logits, s.far.rows,
                                    ood::make_grouping(s.far.rows, opt.group_size(), opt.permute),
                                    ood::make_grouping(s.far.rows, n, opt.permute));
    std::vector<float> far(b);
    for (size_t i = 0; i < b; ++i) far[i] = static_cast<float>(f.plain[i]), far_bal[i] = f.balanced[i];
    if (opt.activation_aware) {
      auto& h = s.activation_history;
      h.insert(h.end(), far.begin(), far.end());
      if (h.size() > opt.activation_history) h.erase(h.begin(), h.end() - static_cast<std::ptrdiff_t>(opt.activation_history));
      const ood::ActivationParams p{ood::activation_threshold(h), opt.activation_gap, opt.activation_count,
                                    opt.activation_step};
      ood::activation_rescore(id_logits, n, logits, s.far.rows, far, p, far);
    }
    for (size_t i = 0; i < b; ++i) out[i].far = far[i];
  }
  if (s.near.rows > 0) {
    ood::compute_logits(images, s.near, scale, logits);
    const BankScores f = score_bank(id_logits, n, logits, s.near.rows,
                                    ood::make_grouping(s.near.rows, opt.group_size(), opt.permute),
                                    ood::make_grouping(s.near.rows * opt.balance_repeats, n, opt.permute));
    for (size_t i = 0; i < b; ++i) out[i].near = static_cast<float>(f.plain[i]), near_bal[i] = f.balanced[i];
  }
  fuse(far_bal, near_bal, mined, out);
}

void ood::DetectorImpl::fuse(const std::vector<double>& far_bal, const std::vector<double>& near_bal,
                              const std::vector<bool>& mined, std::vector<DetectorScore>& out) {
  if (opt.mode != FusionMode::ada) {
    const bool far = opt.mode == FusionMode::far_only;
    for (auto& o : out) o.score = far ? o.far : o.near, o.lambda = far ? 1.f : 0.f;
    return;
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (opt.lambda_rule == LambdaRule::head) {
      s.far_sum += far_bal[i], s.near_sum += near_bal[i], ++s.fused_count;
    } else if (mined[i]) {
      s.far_sum += out[i].far, s.near_sum += out[i].near, ++s.fused_count;
    }
  }
  const double count = static_cast<double>(s.fused_count);
  float lambda = 0.5f;
  if (opt.lambda_rule == LambdaRule::fixed) {
    lambda = static_cast<float>(opt.lambda_fixed);
  } else if (s.fused_count > 0) {
    lambda = static_cast<float>(ood::fusion_weight(s.far_sum / count, s.near_sum / count, opt.lambda_rule));
  }
  s.lambda = lambda;
  for (auto& o : out) o.score = lambda * o.far + (1.f - lambda) * o.near, o.lambda = lambda;
}

std::vector<DetectorScore> ood::DetectorImpl::process(const FeatureMatrix& images,
                                                    const std::vector<ImageRef>& files) {
  check_matrix(images, "images");
  if (images.dim != id_texts.dim)
    core::fail(ErrorCode::invalid_argument, "images",
               "width " + std::to_string(images.dim) + " differs from the text width " + std::to_string(id_texts.dim));
  if (!files.empty() && files.size() != images.rows)
    core::fail(ErrorCode::invalid_argument, "files",
               std::to_string(files.size()) + " files for " + std::to_string(images.rows) + " images");
  ++s.t;
  apply_late_answers();
  const size_t n = id_texts.rows, m = negatives.rows, b = images.rows;
  std::vector<float> id_logits, nl_logits;
  ood::compute_logits(images, id_texts, scale, id_logits);
  ood::compute_logits(images, negatives, scale, nl_logits);
  const ood::Grouping g = ood::make_grouping(m, opt.group_size(), opt.permute);
  std::vector<DetectorScore> out(b);
  std::vector<double> exps;
  for (size_t i = 0; i < b; ++i) {
    const float* z = &id_logits[i * n];
    out[i].pred = static_cast<int>(std::max_element(z, z + n) - z);
    const double a = ood::shifted_exponentials(z, n, &nl_logits[i * m], m, exps);
    out[i].base = static_cast<float>(ood::grouped_id_mass(a, exps.data(), m, g));
    s.base_history.push_back(out[i].base);
    s.predictions.add(out[i].pred);
  }
  std::vector<bool> mined(b);  // the negative images of the paper's λ: mined under the previous γ
  for (size_t i = 0; i < b; ++i) {
    mined[i] = out[i].base < s.gamma;
    if (mined[i]) s.mined_predictions.add(out[i].pred);
  }
  collect_candidates(out, files);
  maybe_update_far();
  maybe_update_near();
  score_banks(images, id_logits, mined, out);
  for (const auto& o : out)
    if (std::isnan(o.score)) core::fail(ErrorCode::internal, "ANTS", "NaN score (check the features for NaN)");
  s.images += static_cast<int64_t>(b);
  return out;
}

AntsDetector::AntsDetector(FeatureMatrix id_texts, FeatureMatrix negatives, float logit_scale,
                           std::vector<std::string> class_names, TextEncoder encoder, Mllm* mllm,
                           DetectorOptions options)
    : impl_(std::make_unique<ood::DetectorImpl>()) {
  check_matrix(id_texts, "ID text features");
  check_matrix(negatives, "negative text features");
  if (id_texts.rows == 0 || negatives.rows == 0)
    core::fail(ErrorCode::invalid_argument, "ANTS", "needs at least one ID class and one negative label");
  if (negatives.dim != id_texts.dim)
    core::fail(ErrorCode::invalid_argument, "negative text features", "width differs from the ID text features");
  if (class_names.size() != id_texts.rows)
    core::fail(ErrorCode::invalid_argument, "class names",
               std::to_string(class_names.size()) + " names for " + std::to_string(id_texts.rows) + " ID features");
  if (options.near_start_batch <= 0 || options.near_interval <= 0 || options.group_num <= 0 ||
      options.queue_cap == 0 || options.activation_step == 0 || !(options.eta >= 0 && options.eta <= 1))
    core::fail(ErrorCode::invalid_argument, "ANTS options", "t0, interval, group count, queue cap and step must be positive, eta in [0, 1]");
  const auto in_range = [](const char* option, double value, bool zero_ok) {
    if (!((zero_ok ? value >= 0 : value > 0) && value <= 1))
      core::fail(ErrorCode::invalid_argument, option,
                 std::to_string(value) + " is outside " + (zero_ok ? "[0, 1]" : "(0, 1]"));
  };
  in_range("lambda_fixed (--lambda-rule fixed:X)", options.lambda_fixed, true);
  in_range("near_ratio (--near-select ratio:δ)", options.near_ratio, false);
  in_range("ens_id_noise (--ens-id-noise)", options.ens_id_noise, true);
  apply_template(options.near_template, "x");  // throws now, not at the first VSNL update
  impl_->id_texts = std::move(id_texts);
  impl_->negatives = std::move(negatives);
  impl_->scale = logit_scale;
  impl_->class_names = std::move(class_names);
  impl_->encoder = std::move(encoder);
  impl_->mllm = mllm;
  impl_->opt = std::move(options);
  impl_->init_state(0);
}

AntsDetector::~AntsDetector() = default;

std::vector<DetectorScore> AntsDetector::process(const FeatureMatrix& images,
                                              const std::vector<ImageRef>& files) {
  return impl_->process(images, files);
}

void AntsDetector::reset() {
  if (impl_->mllm != nullptr) impl_->mllm->poll();  // late answers belong to the stream before
  impl_->init_state(impl_->s.seed);
}

void AntsDetector::reset(uint64_t seed) {
  if (impl_->mllm != nullptr) impl_->mllm->poll();
  impl_->init_state(seed);
}

const DetectorOptions& AntsDetector::options() const { return impl_->opt; }

std::vector<std::string> AntsDetector::far_labels() const { return impl_->s.far_labels; }
std::vector<std::string> AntsDetector::near_labels() const { return impl_->s.near_labels; }
std::vector<ImageRef> AntsDetector::pending_images() const { return impl_->s.cand_files; }

void AntsDetector::relink_pending_images(const std::function<std::filesystem::path(const std::string& hash)>& find) {
  for (ImageRef& im : impl_->s.cand_files) {
    if (!im.path.empty() || im.bytes || im.pixels || im.hash.empty()) continue;
    const std::filesystem::path p = find(im.hash);
    if (!p.empty()) im.path = p;
  }
}

DetectorStats AntsDetector::stats() const {
  const ood::DetectorState& s = impl_->s;
  DetectorStats st;
  st.batches = s.t;
  st.images = s.images;
  st.ens_updates = s.e;
  st.vsnl_updates = s.vsnl_updates;
  st.pending_candidates = s.cand_files.size();
  st.far_rows = s.far.rows;
  st.near_rows = s.near.rows;
  st.gamma = s.gamma;
  st.lambda = s.lambda;
  st.describe_requests = s.describe_requests;
  st.describe_failures = s.describe_failures;
  st.similar_requests = s.similar_requests;
  st.similar_failures = s.similar_failures;
  return st;
}

}  // namespace ants
