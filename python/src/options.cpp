#include "options.h"

#include <ants/inputs.h>
#include <pybind11/stl.h>

#include <functional>
#include <map>
#include <set>

#include "convert.h"

namespace ants::python {

namespace {

using Setter = std::function<void(ScorerOptions&, const py::handle&)>;

template <typename T>
Setter field(T DetectorOptions::*member) {
  return [member](ScorerOptions& o, const py::handle& v) { o.detector.*member = v.cast<T>(); };
}

// The CLI's option names (apps/ants/scoring-options.cpp, cli-common.cpp), dashes as underscores.
const std::map<std::string, Setter>& setters() {
  static const std::map<std::string, Setter> table{
      {"eta", field(&DetectorOptions::eta)},
      {"gamma0", field(&DetectorOptions::gamma0)},
      {"ens_updates", field(&DetectorOptions::ens_stop_step)},
      {"min_candidates", field(&DetectorOptions::min_candidates)},
      {"queue_cap", field(&DetectorOptions::queue_cap)},
      {"groups", field(&DetectorOptions::group_num)},
      {"near_start", field(&DetectorOptions::near_start_batch)},
      {"near_interval", field(&DetectorOptions::near_interval)},
      {"near_top", field(&DetectorOptions::similar_limit)},
      {"balance_repeats", field(&DetectorOptions::balance_repeats)},
      {"activation_aware", field(&DetectorOptions::activation_aware)},
      {"activation_count", field(&DetectorOptions::activation_count)},
      {"activation_step", field(&DetectorOptions::activation_step)},
      {"activation_gap", field(&DetectorOptions::activation_gap)},
      {"activation_history", field(&DetectorOptions::activation_history)},
      {"near_template", field(&DetectorOptions::near_template)},
      {"neglabel_init", field(&DetectorOptions::neglabel_init)},
      {"no_permute", [](ScorerOptions& o, const py::handle& v) { o.detector.permute = !v.cast<bool>(); }},
      {"threshold_rule",
       [](ScorerOptions& o, const py::handle& v) { o.detector.threshold_rule = parse_threshold_rule(v.cast<std::string>()); }},
      {"lambda_rule", [](ScorerOptions& o, const py::handle& v) { set_lambda_rule(o.detector, v.cast<std::string>()); }},
      {"near_select", [](ScorerOptions& o, const py::handle& v) { set_near_select(o.detector, v.cast<std::string>()); }},
      {"ens_id_noise", field(&DetectorOptions::ens_id_noise)},
      {"mllm_caption_only", field(&DetectorOptions::caption_only)},
      {"count", [](ScorerOptions& o, const py::handle& v) { o.neglabel.count = v.cast<int>(); }},
      {"corpus", [](ScorerOptions& o, const py::handle& v) { o.neglabel.corpus_dir = path_of(v); }},
      {"text_batch", [](ScorerOptions& o, const py::handle& v) { o.neglabel.text_batch = v.cast<int>(); }},
      {"cache_dir", [](ScorerOptions& o, const py::handle& v) { o.neglabel.cache.dir = path_of(v); }},
      {"no_cache", [](ScorerOptions& o, const py::handle& v) { o.neglabel.cache.enabled = !v.cast<bool>(); }},
  };
  return table;
}

// The preset leaves alone what the caller gave (DetectorOptions field names, as apply_preset wants).
const std::map<std::string, std::string> kPresetFields{{"ens_updates", "ens_stop_step"},
                                                       {"activation_aware", "activation_aware"},
                                                       {"activation_count", "activation_count"},
                                                       {"near_start", "near_start_batch"}};

}  // namespace

ScorerOptions scorer_options(const std::string& method, const py::object& mode, const py::object& preset,
                             const py::object& negatives, py::dict& options) {
  ScorerOptions o;
  o.method = parse_method(method);
  std::set<std::string> keep;
  if (!mode.is_none()) {  // given: a preset leaves it alone
    o.detector.mode = parse_fusion_mode(mode.cast<std::string>());
    keep.insert("mode");
  }
  if (options.contains("near_top") && options.contains("near_select") && !options["near_top"].is_none() &&
      !options["near_select"].is_none())
    throw py::value_error("near_top and near_select: give one (near_top=K is near_select='top:K')");
  for (const auto& [key, value] : options) {
    const std::string name = py::str(key);
    const auto it = setters().find(name);
    if (it == setters().end()) throw py::type_error("unexpected keyword argument '" + name + "'");
    if (value.is_none()) continue;
    try {
      it->second(o, value);
    } catch (const py::cast_error&) {
      throw py::type_error(name + ": " + std::string(py::str(py::type::of(value))) + " is not a valid value");
    }
    if (kPresetFields.count(name) != 0) keep.insert(kPresetFields.at(name));
  }
  options.clear();
  if (!preset.is_none()) apply_preset(detector_preset(preset.cast<std::string>()), o.detector, keep);
  if (py::isinstance<TextBank>(negatives)) {
    o.negatives_bank = negatives.cast<const TextBank&>().features;
  } else if (!negatives.is_none()) {
    o.negatives_file = py::str(negatives).cast<std::string>();
  }
  return o;
}

uint64_t take_max_pixels(py::dict& options) {
  const py::object v = options.attr("pop")("max_pixels", py::none());
  if (v.is_none()) return kDefaultMaxPixels;
  const auto n = v.cast<uint64_t>();
  if (n == 0 || n > kMaxPixelsLimit) throw py::value_error("max_pixels must be in 1.." + std::to_string(kMaxPixelsLimit));
  return n;
}

std::vector<std::string> class_names(const py::handle& classes) {
  if (py::isinstance<py::str>(classes) || py::hasattr(classes, "__fspath__"))
    return load_classes(path_of(classes));
  return classes.cast<std::vector<std::string>>();
}

}  // namespace ants::python
