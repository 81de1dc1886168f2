#include "scoring-options.h"

#include <set>

namespace ants::cli {

namespace {

// The fields of DetectorOptions the user gave, so a preset leaves them alone.
std::set<std::string> given_fields(const ScoringCliOptions& o) {
  std::set<std::string> keep;
  if (o.mode_opt->count() > 0) keep.insert("mode");
  if (o.ens_stop_opt->count() > 0) keep.insert("ens_stop_step");
  if (o.aa_opt->count() > 0) keep.insert("activation_aware");
  if (o.aa_count_opt->count() > 0) keep.insert("activation_count");
  if (o.near_start_opt->count() > 0) keep.insert("near_start_batch");
  return keep;
}

// AdaNeg's hyper-parameters (method.md §10), with the defaults of its authors' ImageNet script.
void add_adaneg_options(CLI::App& cmd, ScoringCliOptions& o) {
  AdaNegOptions& a = o.adaneg;
  cmd.add_option("--adaneg-thres", a.thres, "AdaNeg: memory threshold (default: 0.5)")->check(CLI::Range(0.0, 1.0));
  cmd.add_option("--adaneg-gap", a.gap,
                 "AdaNeg: admission gap; ID above thres + gap(1 - thres), negative below thres - gap*thres (default: 0.5)")
      ->check(CLI::Range(0.0, 1.0));
  cmd.add_option("--adaneg-memory", a.memory,
                 "AdaNeg: memleng, slots per label with its text feature (memleng - 1 images) (default: 10)")
      ->check(CLI::Range(1, 4096));
  cmd.add_option("--adaneg-lambda", a.lambda, "AdaNeg: weight of the second term (default: 0.1)")->check(CLI::NonNegativeNumber);
  cmd.add_option("--adaneg-beta", a.beta, "AdaNeg: samada's sharpness, truncated to an integer (default: 5.5)")
      ->check(CLI::Range(0.0, 100.0));
  cmd.add_option("--adaneg-groups", a.groups, "AdaNeg: groups of the negative columns (default: 5)")->check(CLI::PositiveNumber);
  cmd.add_flag("--adaneg-samada", a.samada, "AdaNeg: per-image proxies weighted by similarity (the reference's samada)");
  cmd.add_option("--adaneg-score", o.adaneg_score, "AdaNeg: combine (default), adaonly, vanillaonly or multiply")
      ->check(CLI::IsMember({"combine", "adaonly", "vanillaonly", "multiply"}));
}

// CSP's (method.md §11), with the defaults of its authors' ImageNet configuration.
void add_csp_options(CLI::App& cmd, ScoringCliOptions& o) {
  CspOptions& c = o.csp;
  cmd.add_option("--csp-ratio", c.ratio, "CSP: share of each part of speech kept as negatives (default: 0.15)")
      ->check(CLI::Range(0.0, 1.0));
  cmd.add_option("--csp-percentile", c.percentile, "CSP: quantile of a candidate's ID similarities (default: 0.95)")
      ->check(CLI::Range(0.0, 1.0));
  cmd.add_option("--csp-max-sim", c.max_similarity,
                 "CSP: a candidate closer than this to an ID class ranks last, as similarity 1 (default: 0.95)")
      ->check(CLI::Range(-1.0, 1.0));
  cmd.add_option("--csp-seed", c.seed, "CSP: Python random seed of the adjectives' carrier words (default: 0)");
  cmd.add_option("--csp-groups", c.groups, "CSP: groups of the negative columns (default: 100)")->check(CLI::PositiveNumber);
  cmd.add_option("--csp-exclude", o.csp_exclude,
                 "CSP: corpus files left out, comma-separated (default: noun.person.txt,noun.quantity.txt,"
                 "noun.group.txt,adj.pert.txt)");
}

// EOE's (method.md §12): defaults are the ANTS authors' script; --eoe-preset official is the EOE
// repository's ImageNet run.
void add_eoe_options(CLI::App& cmd, ScoringCliOptions& o) {
  EoeOptions& e = o.eoe;
  cmd.add_option("--eoe-task", o.eoe_task, "EOE: far (default: one conversation over all classes) or near (per class)")
      ->check(CLI::IsMember({"far", "near"}));
  cmd.add_option("--eoe-count", e.count,
                 "EOE: L, names asked for (far: in all, 50 per request, at most 2000; near: per class, at most 100) "
                 "(default: far 500, near 3)")
      ->check(CLI::Range(0, 2000));
  o.eoe_beta_opt = cmd.add_option("--eoe-beta", e.beta, "EOE: weight of the outlier term (default: 1)")->check(CLI::NonNegativeNumber);
  o.eoe_tau_opt = cmd.add_option("--eoe-tau", e.tau, "EOE: softmax temperature (default: 1)")->check(CLI::PositiveNumber);
  o.eoe_logits_opt = cmd.add_option("--eoe-logits", o.eoe_logits, "EOE: scaled (logit scale x cosine, default) or cosine")
                         ->check(CLI::IsMember({"scaled", "cosine"}));
  o.eoe_template_opt = cmd.add_option("--eoe-template", e.prompt_template,
                                      "EOE: prompt of the ID and outlier names (default: \"a photo of a {}.\")");
  cmd.add_option("--eoe-preset", o.eoe_preset,
                 "EOE: ants (the ANTS authors' script, the defaults) or official (the EOE repository: beta 0.25, "
                 "cosine logits, \"a photo of a {}\"); explicit --eoe-* options win")
      ->check(CLI::IsMember({"ants", "official"}));
}

}  // namespace

void add_scoring_options(CLI::App& cmd, ScoringCliOptions& o, const std::string& default_preprocess) {
  add_model_options(cmd, o.model);
  DetectorOptions& d = o.detector;
  o.preprocess = default_preprocess;
  add_bank_options(cmd, o.bank);
  cmd.add_option("--method", o.method, "ants (default), neglabel, mcm, adaneg, csp or eoe")
      ->check(CLI::IsMember({"ants", "neglabel", "mcm", "adaneg", "csp", "eoe"}));
  o.mode_opt = cmd.add_option("--mode", o.mode, "ANTS fusion: ada (default), far_only, near_only")
                   ->check(CLI::IsMember({"ada", "far_only", "near_only"}));
  cmd.add_option("--preset", o.preset, "the authors' settings: paper-far (far_only, activation-aware over 500, E_max 10) or "
                                       "paper-near (near_only, t0 1, E_max 0)");
  cmd.add_option("--negatives", o.negatives, "fixed negative bank: one templated prompt per line (instead of mining)");
  cmd.add_option("--preprocess", o.preprocess, "clip or openood (resize 256/224 of the input size, then crop)")
      ->check(CLI::IsMember({"clip", "openood"}));
  cmd.add_option("--batch", o.batch, "detector batch: images per ANTS state update (default: 256)")->check(CLI::PositiveNumber);
  cmd.add_option("--infer-batch", o.infer_batch, "images per CLIP forward pass (default: 32)")->check(CLI::PositiveNumber);
  add_max_pixels_option(cmd, o.max_pixels);
  cmd.add_flag("--quiet,-q", o.quiet, "no progress or warnings on stderr (errors still)");
  cmd.add_option("--eta", d.eta, "η: percentile of the threshold rule (default: 0.5)");
  cmd.add_option("--gamma0", d.gamma0, "initial candidate threshold γ0 (default: 0.8)");
  o.ens_stop_opt = cmd.add_option("--ens-updates", d.ens_stop_step, "E_max: ENS updates per stream (default: 20)");
  cmd.add_option("--min-candidates", d.min_candidates, "ENS fires when more candidates are pending (default: 200)");
  cmd.add_option("--queue-cap", d.queue_cap, "ENS bank rows, keep-oldest (default: 10000)");
  cmd.add_option("--groups", d.group_num, "groups of the grouped score (default: 100)");
  o.near_start_opt = cmd.add_option("--near-start", d.near_start_batch, "t0: first VSNL batch (default: 10)");
  cmd.add_option("--near-interval", d.near_interval, "Δ: batches between VSNL updates (default: 40)");
  o.near_top_opt = cmd.add_option("--near-top", d.similar_limit, "most frequent classes sent to VSNL (default: 40); = --near-select top:K");
  o.near_select_opt = cmd.add_option("--near-select", o.near_select,
                                     "classes VSNL asks about: top:K (the K most predicted, default top:40), ratio:δ "
                                     "(the round(δ·N) most predicted among mined negatives, the paper's Eq. 10-11) or all");
  o.near_select_opt->excludes(o.near_top_opt);
  cmd.add_option("--balance-repeats", d.balance_repeats, "VSNL bank tiling of the balanced score (default: 10)");
  o.aa_opt = cmd.add_flag("--activation-aware", d.activation_aware, "activation-aware ENS re-scoring (method.md §4.11)");
  o.aa_count_opt = cmd.add_option("--activation-count", d.activation_count,
                                  "ENS rows kept by the activation-aware re-scoring (default: 1000; paper-far: 500)");
  cmd.add_option("--activation-step", d.activation_step, "prefix step of the activation-aware score (default: 2)");
  cmd.add_option("--activation-gap", d.activation_gap, "high/low split gap of the activation-aware score (default: 0.5)");
  cmd.add_option("--activation-history", d.activation_history,
                 "far scores kept for the activation-aware threshold (default: 20000)");
  cmd.add_option("--near-template", d.near_template, "prompt of the VSNL labels (default: \"The nice {}.\")");
  cmd.add_flag("--no-permute{false}", d.permute, "group the negatives in bank order, without the seed-0 permutation");
  cmd.add_flag("--neglabel-init", d.neglabel_init, "the ENS bank starts as the NegLabel bank (method.md §4.11)");
  cmd.add_option("--threshold-rule", o.threshold_rule,
                 "head (the authors' code, default), paper (Eq. 5-6) or fixed (γ stays γ0)")
      ->check(CLI::IsMember({"head", "paper", "fixed"}));
  cmd.add_option("--lambda-rule", o.lambda_rule,
                 "head (default), paper (means over mined negatives), log, exp (ants' weights, docs/method.md §4.9) "
                 "or fixed:X");
  cmd.add_option("--ens-id-noise", d.ens_id_noise,
                 "share of new ENS labels replaced by ID class names, drawn from the stream's seed (eval: each "
                 "run's seed; detect, calibrate: 0) (default: 0)")
      ->check(CLI::Range(0.0, 1.0));
  cmd.add_flag("--mllm-caption-only", d.caption_only, "the MLLM only describes images (ENS); VSNL is off");
  add_adaneg_options(cmd, o);
  add_csp_options(cmd, o);
  add_eoe_options(cmd, o);
}

ScorerOptions to_scorer_options(ScoringCliOptions& o) {
  ScorerOptions s;
  s.method = parse_method(o.method);
  s.detector = o.detector;
  s.adaneg = o.adaneg;
  s.adaneg.score = parse_adaneg_score(o.adaneg_score);
  s.csp = o.csp;
  if (o.csp_exclude) set_scorer_option(s, "csp_exclude", *o.csp_exclude);
  s.eoe = o.eoe;
  if (!o.eoe_preset.empty()) {  // the preset fills what the user did not give
    EoeOptions preset = s.eoe;
    apply_eoe_preset(preset, o.eoe_preset);
    if (o.eoe_beta_opt->count() == 0) s.eoe.beta = preset.beta;
    if (o.eoe_tau_opt->count() == 0) s.eoe.tau = preset.tau;
    if (o.eoe_logits_opt->count() == 0) o.eoe_logits = preset.cosine_logits ? "cosine" : "scaled";
    if (o.eoe_template_opt->count() == 0) s.eoe.prompt_template = preset.prompt_template;
  }
  s.eoe.task = parse_eoe_task(o.eoe_task);
  s.eoe.cosine_logits = o.eoe_logits == "cosine";
  s.detector.mode = parse_fusion_mode(o.mode);
  s.detector.threshold_rule = parse_threshold_rule(o.threshold_rule);
  set_lambda_rule(s.detector, o.lambda_rule);
  if (!o.near_select.empty()) set_near_select(s.detector, o.near_select);
  if (!o.preset.empty()) apply_preset(detector_preset(o.preset), s.detector, given_fields(o));
  o.mode = fusion_mode_name(s.detector.mode);
  s.negatives_file = o.negatives;
  s.neglabel = neglabel_options(o.bank);
  return s;
}

ImageEmbedOptions to_embed_options(const ScoringCliOptions& o, const ClipModel& model) {
  ImageEmbedOptions e = image_embed_options(model, o.preprocess, o.infer_batch, cache_options(o.bank));
  e.max_pixels = o.max_pixels;
  return e;
}

}  // namespace ants::cli
