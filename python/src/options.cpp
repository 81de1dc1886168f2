#include "options.h"

#include <ants/inputs.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <map>
#include <set>

#include "convert.h"

namespace ants::python {

namespace {

// A keyword argument's value as the text set_scorer_option reads (the CLI's spelling).
// Booleans (numpy's too) as true/false, paths (str, bytes, PathLike) through os.fspath, integers
// (numpy's too) in decimal, other numbers as Python's repr of their float.
std::string option_text(const std::string& name, const py::handle& handle) {
  const py::object v = py::reinterpret_borrow<py::object>(handle);
  const std::string type = py::str(py::type::of(v).attr("__name__"));
  if (py::isinstance<py::bool_>(v) || type == "bool_") return py::bool_(v) ? "true" : "false";
  if (py::isinstance<py::str>(v)) return v.cast<std::string>();
  if (py::isinstance<py::bytes>(v) || py::hasattr(v, "__fspath__")) return path_of(v);
  if (py::hasattr(v, "__index__")) return py::str(py::int_(v));
  if (py::hasattr(v, "__float__")) return py::repr(py::float_(v));
  throw py::type_error(name + ": " + type + " is not a valid value");
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
  static const std::vector<std::string> names = scorer_option_names();
  std::vector<std::pair<std::string, std::string>> given;
  for (const auto& [key, value] : options) {
    const std::string name = py::str(key);
    if (name == "method" || name == "mode" || std::find(names.begin(), names.end(), name) == names.end())
      throw py::type_error("unexpected keyword argument '" + name + "'");
    if (value.is_none()) continue;
    given.emplace_back(name, option_text(name, value));
    if (kPresetFields.count(name) != 0) keep.insert(kPresetFields.at(name));
  }
  set_scorer_options(o, given);
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
