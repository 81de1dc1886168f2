// The text banks and the detector behind `detect` and `eval`: ID prompts, the negative bank
// (NegLabel selection or a fixed file), and per batch the method's scores plus the plain
// zero-shot prediction and its probability over the ID classes.
#include <ants/scorer.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/hash.h"
#include "core/embedding-cache.h"
#include "core/file-util.h"
#include "ood/adaneg.h"
#include "ood/eoe.h"
#include "ood/grouped-score.h"
#include "ood/text-bank.h"

namespace ants {

namespace {

// Labels of `after` that `before` does not hold (as multisets), in `after`'s order.
std::vector<std::string> entered(const std::vector<std::string>& before, const std::vector<std::string>& after) {
  std::unordered_map<std::string, int> count;
  for (const auto& l : before) ++count[l];
  std::vector<std::string> fresh;
  for (const auto& l : after) {
    auto it = count.find(l);
    if (it != count.end() && it->second > 0) {
      --it->second;
    } else {
      fresh.push_back(l);
    }
  }
  return fresh;
}

// Every option that changes the scores of `method` (NegLabel uses only the grouping).
nlohmann::json detector_options_json(const DetectorOptions& o, Method method) {
  nlohmann::json j{{"group_num", o.group_num}, {"queue_cap", o.queue_cap}, {"permute", o.permute}};
  if (method != Method::ants) return j;
  j.update({{"mode", fusion_mode_name(o.mode)},
            {"threshold_rule", threshold_rule_name(o.threshold_rule)},
            {"lambda_rule", lambda_rule_spec(o)},
            {"eta", o.eta},
            {"gamma0", o.gamma0},
            {"ens_stop_step", o.ens_stop_step},
            {"min_candidates", o.min_candidates},
            {"near_start_batch", o.near_start_batch},
            {"near_interval", o.near_interval},
            {"similar_limit", o.similar_limit},
            {"balance_repeats", o.balance_repeats},
            {"near_template", o.near_template},
            {"neglabel_init", o.neglabel_init},
            {"activation_aware", o.activation_aware},
            {"activation_count", o.activation_count},
            {"activation_step", o.activation_step},
            {"activation_gap", o.activation_gap},
            {"activation_history", o.activation_history}});
  // The ablation options appear only when they are in use, so that the setup of every earlier
  // configuration (which a checkpoint must match to resume) stays the same.
  if (o.near_select != NearSelect::top) j["near_select"] = near_select_spec(o);
  if (o.ens_id_noise > 0) j["ens_id_noise"] = o.ens_id_noise;
  if (o.caption_only) j["caption_only"] = true;
  return j;
}

// Ranges in which every AdaNeg rule is defined (β bounds the samada weights away from underflow).
void check_adaneg_options(const AdaNegOptions& a) {
  const auto in = [](double x, double lo, double hi) { return x >= lo && x <= hi; };
  if (!in(a.thres, 0, 1) || !in(a.gap, 0, 1) || !in(a.lambda, 0, 1e6) || !in(a.beta, 0, 100) || a.memory < 1 ||
      a.memory > 4096 || a.groups < 1)
    core::fail(ErrorCode::invalid_argument, "adaneg",
               "options out of range: thres and gap in [0, 1], lambda >= 0, beta in [0, 100], memory in 1..4096, groups >= 1");
}

nlohmann::json csp_options_json(const CspOptions& o, bool permute) {
  return {{"ratio", o.ratio},   {"percentile", o.percentile}, {"max_similarity", o.max_similarity},
          {"seed", o.seed},     {"groups", o.groups},         {"exclude", o.exclude},
          {"permute", permute}, {"reference", "MengyuanChen21/NeurIPS2024-CSP@3a7bdab"}};
}

// The envisioned names are part of the setup: a stream resumed with other answers is refused.
nlohmann::json eoe_options_json(const EoeOptions& o, const std::vector<std::string>& labels) {
  return {{"task", eoe_task_name(o.task)},
          {"count", ood::eoe_count(o)},
          {"beta", o.beta},
          {"tau", o.tau},
          {"logits", o.cosine_logits ? "cosine" : "scaled"},
          {"template", o.prompt_template},
          {"labels", labels.size()},
          {"labels_hash", core::texts_hash(labels)}};
}

// A far conversation resends everything before it, so its length is bounded (EOE asks at most 500).
void check_eoe_options(const EoeOptions& o) {
  const int most = o.task == EoeTask::near ? 100 : 2000;
  if (o.count < 0 || o.count > most || !(o.beta >= 0 && o.beta <= 1e6) || !(o.tau > 0 && o.tau <= 1e6))
    core::fail(ErrorCode::invalid_argument, "eoe",
               "options out of range: count in 0.." + std::to_string(most) + " for the " + eoe_task_name(o.task) +
                   " task (0: its default), beta in [0, 1e6], tau in (0, 1e6]");
  apply_template(o.prompt_template, "");  // exactly one "{}"
}

nlohmann::json adaneg_options_json(const AdaNegOptions& o, bool permute) {
  return {{"thres", o.thres},   {"gap", o.gap},       {"memory", o.memory},
          {"lambda", o.lambda}, {"beta", o.beta},     {"groups", o.groups},
          {"samada", o.samada}, {"score", adaneg_score_name(o.score)}, {"permute", permute}};
}

}  // namespace

struct OodScorer::Impl {
  const TextModel& model;
  std::vector<std::string> classes;
  ScorerOptions opt;
  FeatureMatrix id_texts, negatives;
  std::unique_ptr<AntsDetector> detector;
  std::unique_ptr<ood::AdaNegDetector> adaneg;
  BatchTrace trace;
  std::vector<std::string> warnings;
  std::vector<std::string> eoe_labels;

  Impl(const TextModel& m, std::vector<std::string> c, const ScorerOptions& o) : model(m), classes(std::move(c)), opt(o) {}

  void build_banks(const ProgressFn& progress, Mllm* mllm) {
    const NegLabelOptions& nl = opt.neglabel;
    if (opt.method == Method::csp) return build_csp_banks(progress);
    if (opt.method == Method::eoe) return build_eoe_banks(mllm);
    const core::EmbeddingCache cache = ood::text_cache(model, nl.cache);
    std::vector<std::string> prompts;
    for (const auto& c : classes) prompts.push_back(apply_template(nl.id_template, c));
    id_texts = ood::embed_prompts_cached(model, prompts, cache, {}, nl.text_batch, warnings).features;
    if (opt.method == Method::mcm) return;
    if (opt.negatives_bank) {
      const FeatureMatrix& b = *opt.negatives_bank;
      if (b.dim != model.embed_dim() || b.rows == 0 || b.data.size() != b.rows * static_cast<size_t>(b.dim))
        core::fail(ErrorCode::invalid_argument, "negative bank", "needs rows of the model's width " +
                                                                     std::to_string(model.embed_dim()));
      negatives = *opt.negatives_bank;
      return;
    }
    if (!opt.negatives_file.empty()) {
      negatives = read_negatives_file(model, opt.negatives_file, nl.cache, progress, &warnings, nl.text_batch).features;
      return;
    }
    NegLabelBank bank = select_neglabel_bank(model, classes, nl, progress);
    warnings.insert(warnings.end(), bank.warnings.begin(), bank.warnings.end());
    negatives = std::move(bank.bank.features);
  }

  // CSP's ID rows are ensembles too, so it replaces both banks.
  void build_csp_banks(const ProgressFn& progress) {
    if (opt.negatives_bank || !opt.negatives_file.empty())
      core::fail(ErrorCode::invalid_argument, "csp", "builds its own negative bank; --negatives does not apply");
    CspBank bank = select_csp_bank(model, classes, opt.csp, opt.neglabel.corpus_dir, opt.neglabel.cache,
                                   opt.neglabel.text_batch, progress);
    warnings.insert(warnings.end(), bank.warnings.begin(), bank.warnings.end());
    id_texts = std::move(bank.ids.features);
    negatives = std::move(bank.bank.features);
  }

  // EOE's ID rows use its own template, and its bank is what the MLLM envisions.
  void build_eoe_banks(Mllm* mllm) {
    if (opt.negatives_bank || !opt.negatives_file.empty())
      core::fail(ErrorCode::invalid_argument, "eoe", "its negatives are the envisioned names; --negatives does not apply");
    if (mllm == nullptr)
      core::fail(ErrorCode::invalid_argument, "eoe",
                 "needs an LLM to envision outlier class names: give --mllm-url (or --mllm-replay FILE)");
    if (!mllm->supports_complete())
      core::fail(ErrorCode::invalid_argument, "eoe",
                 "this MLLM cannot answer text-only prompts; use an MLLM client (--mllm-url, Python ants.MllmClient)");
    const NegLabelOptions& nl = opt.neglabel;
    const core::EmbeddingCache cache = ood::text_cache(model, nl.cache);
    const auto embed = [&](const std::vector<std::string>& names) {
      std::vector<std::string> prompts;
      for (const auto& n : names) prompts.push_back(apply_template(opt.eoe.prompt_template, n));
      return ood::embed_prompts_cached(model, prompts, cache, {}, nl.text_batch, warnings).features;
    };
    id_texts = embed(classes);
    const ood::EoeEnvisioned e = ood::envision_outliers(*mllm, classes, opt.eoe);
    eoe_labels = e.labels;
    if (e.answered < e.requests)
      warnings.push_back("eoe: " + std::to_string(e.requests - e.answered) + " of " + std::to_string(e.requests) +
                         " requests to envision outlier classes got no answer");
    if (eoe_labels.empty()) {
      warnings.push_back("eoe: no outlier class names were envisioned; scores are the ID softmax maximum alone");
      negatives = FeatureMatrix{0, model.embed_dim(), {}};
    } else {
      negatives = embed(eoe_labels);
    }
  }

  void make_detector(Mllm* mllm) {
    if (opt.method == Method::adaneg) {
      adaneg = std::make_unique<ood::AdaNegDetector>(id_texts, negatives, model.logit_scale(), opt.adaneg, opt.detector.permute);
      return;
    }
    if (opt.method != Method::ants) return;
    const TextModel* m = &model;
    const int batch = opt.neglabel.text_batch;
    TextEncoder encode = [m, batch](const std::vector<std::string>& texts) { return m->encode_texts(texts, batch); };
    detector = std::make_unique<AntsDetector>(id_texts, negatives, model.logit_scale(), classes, encode, mllm,
                                              opt.detector);
  }

  // Zero-shot prediction and its softmax probability over the ID classes (= the MCM score).
  void predict(const FeatureMatrix& images, std::vector<ScoredImage*>& rows) const {
    const ZeroShot z = zero_shot(images, id_texts, model.logit_scale());
    for (size_t i = 0; i < images.rows; ++i) {
      rows[i]->pred = z.pred[i];
      rows[i]->prob = z.prob[i];
      rows[i]->score = rows[i]->far = rows[i]->near = z.prob[i];
    }
  }

  void score_method(const FeatureMatrix& images, const std::vector<ImageRef>& refs, std::vector<ScoredImage*>& rows) {
    if (opt.method == Method::eoe) {
      const auto s = ood::eoe_scores(images, id_texts, negatives, model.logit_scale(), opt.eoe);
      for (size_t i = 0; i < rows.size(); ++i) rows[i]->score = rows[i]->far = rows[i]->near = s[i];
    } else if (opt.method == Method::neglabel || opt.method == Method::csp) {
      const ood::Grouping g =
          opt.method == Method::csp
              ? ood::make_grouping_of(negatives.rows, static_cast<size_t>(opt.csp.groups), opt.detector.permute)
              : ood::make_grouping(negatives.rows, opt.detector.group_size(), opt.detector.permute);
      const auto s = ood::grouped_scores(images, id_texts, negatives, model.logit_scale(), g);
      for (size_t i = 0; i < rows.size(); ++i) rows[i]->score = rows[i]->far = rows[i]->near = s[i];
    } else if (opt.method == Method::adaneg) {
      const auto r = adaneg->update(images);
      for (size_t i = 0; i < rows.size(); ++i) {
        rows[i]->pred = r[i].pred;  // the reference predicts from softmax(plain) + λ·softmax(proxies)
        rows[i]->prob = static_cast<float>(r[i].prob);
        rows[i]->score = rows[i]->far = rows[i]->near = static_cast<float>(r[i].score);
      }
      trace.stats = adaneg_stats();
      return;
    } else if (opt.method == Method::ants) {
      const auto far_before = detector->far_labels(), near_before = detector->near_labels();
      const auto s = detector->process(images, refs);
      for (size_t i = 0; i < rows.size(); ++i) {
        rows[i]->score = s[i].score;
        rows[i]->far = s[i].far;
        rows[i]->near = s[i].near;
      }
      record_trace(far_before, near_before);
      return;
    }
    ++trace.stats.batches;
    trace.stats.lambda = 0;  // no fusion: the trace shows 0, not the detector's initial 0.5
  }

  DetectorStats adaneg_stats() const {
    DetectorStats s;
    s.batches = adaneg->batches();
    s.images = adaneg->images();
    s.lambda = 0;
    s.memory_labels = adaneg->labels_with_images();
    s.memory_images = adaneg->images_held();
    return s;
  }

  void record_trace(const std::vector<std::string>& far_before, const std::vector<std::string>& near_before) {
    trace.stats = detector->stats();
    trace.new_far = entered(far_before, detector->far_labels());
    trace.new_near = entered(near_before, detector->near_labels());
  }
};

OodScorer::OodScorer(const TextModel& model, std::vector<std::string> classes, const ScorerOptions& options, Mllm* mllm,
                     const ProgressFn& progress)
    : impl_(std::make_unique<Impl>(model, std::move(classes), options)) {
  if (impl_->classes.empty()) core::fail(ErrorCode::invalid_argument, "classes", "no ID classes");
  const DetectorOptions& d = options.detector;
  if (options.method != Method::mcm && options.method != Method::csp && options.method != Method::eoe && (d.group_num <= 0 || static_cast<size_t>(d.group_num) > d.queue_cap)) {
    // group_size() = queue_cap / group_num columns per group: zero would make every score meaningless
    core::fail(ErrorCode::invalid_argument, "group count",
               std::to_string(d.group_num) + " is not in [1, queue cap " + std::to_string(d.queue_cap) + "]");
  }
  if (options.method == Method::adaneg) check_adaneg_options(options.adaneg);  // before the (slow) banks
  if (options.method == Method::eoe) check_eoe_options(options.eoe);
  impl_->build_banks(progress, mllm);
  impl_->make_detector(mllm);
}

OodScorer::~OodScorer() = default;

std::vector<ScoredImage> OodScorer::score(const std::vector<ImageEmbedding>& batch, const std::vector<ImageRef>& refs) {
  if (!refs.empty() && refs.size() != batch.size())
    core::fail(ErrorCode::invalid_argument, "score", std::to_string(refs.size()) + " images for " +
                                                         std::to_string(batch.size()) + " embeddings");
  std::vector<ScoredImage> out(batch.size());
  FeatureMatrix images{0, impl_->id_texts.dim, {}};
  std::vector<ImageRef> files;
  std::vector<ScoredImage*> rows;
  for (size_t i = 0; i < batch.size(); ++i) {
    out[i].file = batch[i].file;
    out[i].error = batch[i].error;
    if (!batch[i].error.empty()) continue;
    if (batch[i].embedding.size() != static_cast<size_t>(images.dim)) {
      core::fail(ErrorCode::invalid_argument, batch[i].file, "embedding width does not match the model");
    }
    images.data.insert(images.data.end(), batch[i].embedding.begin(), batch[i].embedding.end());
    ++images.rows;
    files.push_back(refs.empty() ? ImageRef::file(batch[i].file) : refs[i]);
    rows.push_back(&out[i]);
  }
  impl_->trace.new_far.clear();
  impl_->trace.new_near.clear();
  if (rows.empty()) return out;
  if (impl_->opt.method != Method::adaneg) impl_->predict(images, rows);  // AdaNeg predicts itself
  impl_->score_method(images, files, rows);
  return out;
}

const BatchTrace& OodScorer::last_trace() const { return impl_->trace; }

void OodScorer::reset() {
  if (impl_->detector) impl_->detector->reset();
  if (impl_->adaneg) impl_->adaneg->reset();
  impl_->trace = BatchTrace{};
}

void OodScorer::reset(uint64_t seed) {
  if (impl_->detector) impl_->detector->reset(seed);
  if (impl_->adaneg) impl_->adaneg->reset();  // nothing random
  impl_->trace = BatchTrace{};
}

void OodScorer::snapshot(const std::filesystem::path& path) const {
  if (impl_->detector) impl_->detector->snapshot(path);
  if (impl_->adaneg) core::write_file_atomic(path, impl_->adaneg->snapshot_bytes());
}

void OodScorer::restore(const std::filesystem::path& path) {
  if (impl_->detector) impl_->detector->restore(path);
  if (impl_->adaneg) impl_->adaneg->restore_bytes(core::read_file(path), path.string());
}

DetectorStats OodScorer::stats() const {
  if (impl_->detector) return impl_->detector->stats();
  if (impl_->adaneg) return impl_->adaneg_stats();
  DetectorStats s;
  s.batches = impl_->trace.stats.batches;
  return s;
}

std::string OodScorer::snapshot_bytes() const {
  if (impl_->adaneg) return impl_->adaneg->snapshot_bytes();
  return impl_->detector ? impl_->detector->snapshot_bytes() : "";
}

void OodScorer::restore_bytes(std::string_view bytes, const std::string& where) {
  if (impl_->detector) impl_->detector->restore_bytes(bytes, where);
  if (impl_->adaneg) impl_->adaneg->restore_bytes(bytes, where);
}

std::string OodScorer::setup_json() const {
  const Impl& d = *impl_;
  const auto matrix_hash = [](const FeatureMatrix& m) {
    return core::hash_bytes({reinterpret_cast<const char*>(m.data.data()), m.data.size() * sizeof(float)}).hex();
  };
  nlohmann::json j{{"method", method_name(d.opt.method)},
                   {"model", core::hash_bytes(d.model.fingerprint()).hex()},
                   {"classes", core::texts_hash(d.classes)},
                   {"n_classes", d.classes.size()},
                   {"id_template", d.opt.method == Method::csp   ? std::string("CSP ensemble")
                                   : d.opt.method == Method::eoe ? d.opt.eoe.prompt_template
                                                                 : d.opt.neglabel.id_template},
                   {"negatives", {{"rows", d.negatives.rows}, {"hash", matrix_hash(d.negatives)}}}};
  if (d.opt.method == Method::adaneg) {
    j["adaneg"] = adaneg_options_json(d.opt.adaneg, d.opt.detector.permute);
  } else if (d.opt.method == Method::csp) {
    j["csp"] = csp_options_json(d.opt.csp, d.opt.detector.permute);
  } else if (d.opt.method == Method::eoe) {
    j["eoe"] = eoe_options_json(d.opt.eoe, d.eoe_labels);
  } else if (d.opt.method != Method::mcm) {
    j["detector"] = detector_options_json(d.opt.detector, d.opt.method);
  }
  // A prompt template of arbitrary bytes must not throw here (class names are hashed).
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Method OodScorer::method() const { return impl_->opt.method; }
const std::vector<std::string>& OodScorer::classes() const { return impl_->classes; }
std::vector<std::string> OodScorer::far_labels() const {
  if (impl_->opt.method == Method::eoe) return impl_->eoe_labels;
  return impl_->detector ? impl_->detector->far_labels() : std::vector<std::string>{};
}
std::vector<std::string> OodScorer::near_labels() const {
  return impl_->detector ? impl_->detector->near_labels() : std::vector<std::string>{};
}
std::vector<ImageRef> OodScorer::pending_images() const {
  return impl_->detector ? impl_->detector->pending_images() : std::vector<ImageRef>{};
}
void OodScorer::relink_pending_images(const std::function<std::filesystem::path(const std::string& hash)>& find) {
  if (impl_->detector) impl_->detector->relink_pending_images(find);
}
size_t OodScorer::negatives() const { return impl_->negatives.rows; }
size_t OodScorer::memory_labels() const { return impl_->adaneg ? impl_->adaneg->labels_with_images() : 0; }
size_t OodScorer::memory_images() const { return impl_->adaneg ? impl_->adaneg->images_held() : 0; }
std::vector<std::string> OodScorer::warnings() const { return impl_->warnings; }

}  // namespace ants
