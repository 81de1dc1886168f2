// ants.eval: `ants eval` from Python (the OpenOOD v1.5 protocol over ID and OOD image sets),
// returning the metrics dict it prints; the files and report are written when `out` is given.
#include <ants/eval.h>
#include <pybind11/stl.h>

#include "bindings.h"
#include "convert.h"
#include "options.h"

namespace ants::python {

namespace {

// "NAME=LIST[:near|far]" strings, or a dict {name: list} (or {name: (list, split)}).
std::vector<std::string> ood_specs(const py::handle& ood) {
  std::vector<std::string> specs;
  if (py::isinstance<py::str>(ood)) return {ood.cast<std::string>()};
  if (!py::isinstance<py::dict>(ood)) return ood.cast<std::vector<std::string>>();
  for (const auto& [name, value] : ood.cast<py::dict>()) {
    std::string spec = py::str(name).cast<std::string>() + "=";
    if (py::isinstance<py::tuple>(value)) {
      const auto t = value.cast<py::tuple>();
      spec += py::str(t[0]).cast<std::string>() + ":" + t[1].cast<std::string>();
    } else {
      spec += py::str(value).cast<std::string>();
    }
    specs.push_back(spec);
  }
  return specs;
}

// "SET:SEED[,...]", or a list of "SET:SEED" strings or (set, seed) pairs.
std::vector<RunKey> run_keys(const py::object& runs) {
  if (runs.is_none()) return {};
  if (py::isinstance<py::str>(runs)) return parse_run_keys(runs.cast<std::string>());
  std::vector<RunKey> keys;
  for (const auto& item : runs.cast<py::list>()) {
    if (py::isinstance<py::str>(item)) {
      for (auto& k : parse_run_keys(item.cast<std::string>())) keys.push_back(std::move(k));
    } else {
      const auto pair = item.cast<std::pair<std::string, int64_t>>();
      if (pair.second < 0 || pair.second > 0xffffffffLL) throw py::value_error("runs: a seed is 0 to 2^32-1");
      keys.push_back({pair.first, static_cast<uint32_t>(pair.second)});
    }
  }
  return keys;
}

std::string fspath(const py::object& p) {
  return p.is_none() ? std::string() : path_of(p);
}

py::object run(const ClipModel& model, const py::object& classes, const py::object& id, const py::object& ood,
               const py::object& data_root, const py::object& out, const std::vector<uint32_t>& seeds,
               const std::string& method, const py::object& mode, const py::object& preset, const py::object& mllm,
               const py::object& negatives, size_t batch, const std::string& preprocess, int infer_batch,
               const std::string& mllm_parse, bool require_cached, const py::object& runs, const py::object& ood_ratio,
               const std::string& order, const std::string& stream, const py::object& progress, py::kwargs options) {
  py::dict kw(options);
  const uint64_t max_pixels = take_max_pixels(kw);
  const ScorerOptions so = scorer_options(method, mode, preset, negatives, kw);
  // Each set and seed is a stream of its own: answers must not cross from one to the next.
  MllmBinding binding(mllm, /*sync=*/true, parse_mode(mllm_parse));
  if (!binding.sync()) throw py::value_error("eval: the MllmClient must be synchronous (sync=True), as in `ants eval`");
  const std::string classes_spec = py::isinstance<py::str>(classes) ? classes.cast<std::string>() : "(list)";
  const std::string preset_name = preset.is_none() ? "" : preset.cast<std::string>();
  const std::string root = fspath(data_root);
  std::vector<OodSet> sets;
  for (const auto& spec : ood_specs(ood)) sets.push_back(parse_ood_set(spec, root));
  const std::vector<LabeledImage> id_images = read_image_set(fspath(id), root, false);
  EvalOptions eo;
  eo.seeds = seeds;
  eo.batch = batch;
  eo.features = image_embed_options(model, preprocess, infer_batch, so.neglabel.cache);
  eo.features.max_pixels = max_pixels;
  eo.features.require_cached = require_cached;
  eo.runs = run_keys(runs);
  if (!ood_ratio.is_none()) eo.ood_ratio = ood_ratio.cast<double>();
  eo.order = parse_stream_order(order);
  eo.stream = parse_stream_kind(stream);
  const std::vector<std::string> names = class_names(classes);
  Interrupt interrupt;
  const ProgressFn report = interrupt.progress(progress);
  const CancelFn cancel = interrupt.hook();
  const std::string out_dir = fspath(out);
  std::string metrics;
  {
    py::gil_scoped_release release;
    OodScorer scorer(model, names, so, binding.get());
    const EvalResult r = run_eval(model, scorer, id_images, sets, eo,
                                  [&](const std::string&, size_t done, size_t total) { if (report) report(done, total); },
                                  cancel);
    if (!r.cancelled) {
      EvalFacts facts{model.info().weights_file.parent_path().string(), classes_spec, preprocess, preset_name, "",
                      binding.get() != nullptr, {}};
      if (auto* client = dynamic_cast<MllmClient*>(binding.get())) {
        facts.mllm_stats = client->stats();
        facts.prompt_ens = client->prompt_origin("ens");
        facts.prompt_vsnl = client->prompt_origin("vsnl");
      }
      facts.mode = fusion_mode_name(so.detector.mode);
      EvalRunInfo info = eval_run_info(model, scorer, facts);
      info.warnings.insert(info.warnings.end(), r.warnings.begin(), r.warnings.end());
      metrics = out_dir.empty() ? eval_metrics_json(r, sets, eo, info) : write_eval_outputs(out_dir, r, sets, eo, info);
    }
  }
  interrupt.rethrow();
  return py::module_::import("json").attr("loads")(metrics);
}

py::object merge(const py::object& out, const std::vector<py::object>& parts) {
  std::vector<std::filesystem::path> dirs;
  for (const auto& p : parts) dirs.emplace_back(path_of(p));
  const std::string out_dir = path_of(out);
  std::string metrics;
  {
    py::gil_scoped_release release;
    metrics = merge_eval_outputs(out_dir, dirs).metrics_json;
  }
  return py::module_::import("json").attr("loads")(metrics);
}

}  // namespace

void bind_eval(py::module_& m) {
  m.def("eval", &run, py::arg("clip"), py::arg("classes"), py::arg("id"), py::arg("ood"), py::arg("data_root") = py::none(),
        py::arg("out") = py::none(), py::arg("seeds") = std::vector<uint32_t>{0}, py::arg("method") = "ants",
        py::arg("mode") = py::none(), py::arg("preset") = py::none(), py::arg("mllm") = py::none(),
        py::arg("negatives") = py::none(), py::arg("batch") = 256, py::arg("preprocess") = "openood",
        py::arg("infer_batch") = 32, py::arg("mllm_parse") = "lenient", py::arg("require_cached") = false,
        py::arg("runs") = py::none(), py::arg("ood_ratio") = py::none(), py::arg("order") = "shuffle", py::arg("stream") = "per-set",
        py::arg("progress") = py::none(),
        "`ants eval`: OOD metrics (percent) of ID + OOD image sets, the OpenOOD v1.5 protocol. id: an image\n"
        "list or folder; ood: ['NAME=LIST[:near|far]', ...] or {name: list}; out: write the files and report there.\n"
        "Returns the metrics dict `ants eval` prints. Other keywords: the detector options of ants.Detector.\n"
        "runs: compute only these (set, seed) runs ('SET:SEED' strings or pairs); ants.eval_merge joins the parts.\n"
        "ood_ratio: the ID:OOD protocol of `ants eval --ood-ratio`; order: 'shuffle', 'id-first', 'ood-first',\n"
        "'near-then-far', 'far-then-near'; stream: 'per-set' or 'joint' (`ants eval --order`, `--stream`).");
  m.def("eval_merge", &merge, py::arg("out"), py::arg("parts"),
        "`ants eval-merge`: the `out` directories of ants.eval(..., runs=...) parts of one evaluation merged into\n"
        "`out` as one eval over all runs writes it. Returns the merged metrics dict.");
}

}  // namespace ants::python
