// What run.json records about an evaluation besides its results, the same from every front end.
#include <ants/eval.h>
#include <ants/version.h>

#include <nlohmann/json.hpp>

namespace ants {

namespace {

using nlohmann::json;

json mllm_json(const EvalFacts& f) {
  if (!f.mllm_stats) return f.mllm ? json::object() : json(nullptr);
  const MllmStats& s = *f.mllm_stats;
  return {{"requests", s.requests}, {"failures", s.failures}, {"retries", s.retries}, {"cache_hits", s.cache_hits},
          {"replay_hits", s.replay_hits}, {"degraded", s.degraded}, {"last_error", s.last_error}};
}

}  // namespace

EvalRunInfo eval_run_info(const ClipModel& model, const OodScorer& scorer, const EvalFacts& f) {
  EvalRunInfo info;
  info.method = method_name(scorer.method());
  info.mode = f.mode;
  json facts{{"ants_version", ANTS_VERSION},
                   {"model", {{"dir", f.model_dir}, {"weights", model.info().weights_file.string()},
                              {"params", model.info().n_params}}},
                   {"precision", precision_name(model.params().precision)},
                   {"classes", f.classes},
                   {"n_classes", scorer.classes().size()},
                   {"negatives", scorer.negatives()},
                   {"preprocess", f.preprocess},
                   {"preset", f.preset},
                   {"setup", json::parse(scorer.setup_json())},
                   {"mllm", mllm_json(f)}};
  if (f.reference) facts["reference"] = true;
  // Only a variant is recorded, so that earlier runs' run.json (which eval-merge compares) stays as it was.
  if (f.mllm && (f.prompt_ens != "default" || f.prompt_vsnl != "default"))
    facts["prompts"] = {{"ens", f.prompt_ens}, {"vsnl", f.prompt_vsnl}};
  info.run_json = facts.dump(-1, ' ', false, json::error_handler_t::replace);
  if (scorer.method() == Method::ants && !f.mllm)
    info.warnings.push_back("no MLLM (--mllm-url / --mllm-replay): ANTS ran without adaptive banks (= NegLabel)");
  for (const auto& w : scorer.warnings()) info.warnings.push_back(w);
  return info;
}

}  // namespace ants
