// ants.Detector: an OodScorer (MCM, NegLabel or the streaming ANTS detector) over a Clip, or over
// the caller's own features with a text encoder of theirs; ants.negatives and ants.TextBank.
#include <ants/negatives.h>
#include <ants/stream.h>
#include <pybind11/stl.h>

#include <cmath>
#include <limits>
#include <memory>
#include <mutex>

#include "bindings.h"
#include "convert.h"
#include "options.h"

namespace ants::python {

namespace {

// A Python callable texts -> (M, D) float32 unit rows as the detector's text model (no cache:
// its outputs have no known identity).
class CallableTextModel final : public TextModel {
 public:
  // `probe`: a text the detector encodes anyway (its first ID prompt), to learn the width.
  CallableTextModel(py::object fn, float logit_scale, const std::string& probe)
      : fn_(std::move(fn)), logit_scale_(logit_scale) {
    dim_ = call({probe}).dim;
  }
  FeatureMatrix encode_texts(const std::vector<std::string>& texts, int, const ProgressFn& progress) const override {
    FeatureMatrix out = call(texts);
    if (progress) progress(texts.size(), texts.size());
    return out;
  }
  const std::string& fingerprint() const override { return none_; }
  float logit_scale() const override { return logit_scale_; }
  int embed_dim() const override { return dim_; }

 private:
  FeatureMatrix call(const std::vector<std::string>& texts) const {
    py::gil_scoped_acquire gil;
    const auto rows = float_rows(fn_(texts), "text_encoder's result", dim_ > 0 ? std::optional<int>(dim_) : std::nullopt);
    if (static_cast<size_t>(rows.shape(0)) != texts.size())
      throw py::value_error("text_encoder: " + std::to_string(rows.shape(0)) + " rows for " + std::to_string(texts.size()) + " texts");
    return FeatureMatrix{texts.size(), static_cast<int>(rows.shape(1)), {rows.data(), rows.data() + rows.size()}};
  }
  py::object fn_;
  float logit_scale_;
  int dim_ = 0;
  std::string none_;
};

class Detector {
 public:
  Detector(const py::object& clip, const py::object& classes, const std::string& method, const py::object& mode,
           const py::object& mllm, const py::object& negatives, const py::object& preset, const py::object& text_encoder,
           float logit_scale, bool mllm_sync, const std::string& mllm_parse, const std::string& preprocess,
           int infer_batch, const py::object& progress, py::kwargs options)
      : clip_object_(clip), text_object_(text_encoder), mllm_(mllm, mllm_sync, parse_mode(mllm_parse)) {
    if (!clip.is_none()) clip_ = clip.cast<const ClipModel*>();
    py::dict kw(options);
    const uint64_t max_pixels = take_max_pixels(kw);
    const ScorerOptions so = scorer_options(method, mode, preset, negatives, kw);
    const std::vector<std::string> names = class_names(classes);
    if (names.empty()) throw py::value_error("classes: no ID class names");
    const TextModel* text = text_model(text_encoder, logit_scale, apply_template(so.neglabel.id_template, names[0]));
    dim_ = text->embed_dim();
    Interrupt interrupt;
    const ProgressFn report = interrupt.progress(progress);
    {
      py::gil_scoped_release release;
      scorer_ = std::make_unique<OodScorer>(*text, names, so, mllm_.get(), report);
    }
    interrupt.rethrow();
    if (clip_ != nullptr) {
      embed_ = image_embed_options(*clip_, preprocess, infer_batch, CacheOptions{false, {}});
      embed_.max_pixels = max_pixels;
      stream_ = std::make_unique<ImageStream>(*clip_, *scorer_, 1, embed_);
    }
  }

  ~Detector() {
    py::gil_scoped_release release;  // a Python MLLM's thread may need the GIL to finish
    stream_.reset();
    scorer_.reset();
  }  // then the members that hold Python objects, with the GIL again

  // Runs f(scorer) without the GIL and with the detector to itself: one Python thread's score()
  // never meets another's, and a Python MLLM called inside can still take the GIL. `f` must not
  // touch Python objects.
  template <typename F>
  auto locked(F&& f) {
    py::gil_scoped_release release;
    std::lock_guard lock(mu_);
    if (!scorer_) throw Error(ErrorCode::invalid_argument, "this ants.Detector is closed");
    return f(*scorer_);
  }

  py::dict score(const py::object& inputs, const py::object& batch, const py::object& files, const py::object& images,
                 const py::object& progress) {
    const size_t split = batch.is_none() ? 0 : batch.cast<size_t>();
    std::vector<ScoredImage> rows;
    Interrupt interrupt;
    if (py::isinstance<py::array>(inputs) && !py::reinterpret_borrow<py::array>(inputs).dtype().is(py::dtype::of<uint8_t>())) {
      rows = score_features(inputs, split, files, images, interrupt);
    } else {
      rows = score_images(inputs, split, interrupt.progress(progress), interrupt);
    }
    interrupt.rethrow();
    return scores_dict(rows);
  }

  py::dict state() {
    const DetectorStats s = locked([](OodScorer& sc) { return sc.stats(); });
    py::dict d;
    d["batches"] = s.batches;
    d["images"] = s.images;
    d["ens_updates"] = s.ens_updates;
    d["vsnl_updates"] = s.vsnl_updates;
    d["pending_candidates"] = s.pending_candidates;
    d["far_rows"] = s.far_rows;
    d["near_rows"] = s.near_rows;
    d["gamma"] = s.gamma;
    d["lambda"] = s.lambda;
    d["describe_requests"] = s.describe_requests;
    d["describe_failures"] = s.describe_failures;
    d["similar_requests"] = s.similar_requests;
    d["similar_failures"] = s.similar_failures;
    d["memory_labels"] = s.memory_labels;
    d["memory_images"] = s.memory_images;
    return d;
  }

  // At interpreter exit: stops a Python MLLM's thread before Python goes away.
  void close() {
    {
      py::gil_scoped_release release;
      std::lock_guard lock(mu_);
      stream_.reset();
      scorer_.reset();
    }
    mllm_.close();
  }

 private:
  const TextModel* text_model(const py::object& text_encoder, float logit_scale, const std::string& probe) {
    if (!text_encoder.is_none()) {
      if (py::isinstance<ClipModel>(text_encoder)) return text_encoder.cast<const ClipModel*>();
      own_text_ = std::make_unique<CallableTextModel>(text_encoder, logit_scale, probe);
      return own_text_.get();
    }
    if (clip_ == nullptr) throw py::value_error("clip=None needs text_encoder= (a Clip or a callable texts -> (M, D))");
    return clip_;
  }

  std::vector<ScoredImage> score_features(const py::object& inputs, size_t split, const py::object& files,
                                          const py::object& images, Interrupt& interrupt) {
    const auto f = float_rows(inputs, "features", dim_);
    const size_t n = static_cast<size_t>(f.shape(0)), dim = static_cast<size_t>(f.shape(1));
    std::vector<ImageRef> refs = !images.is_none() ? image_refs(images) : !files.is_none() ? image_refs(files)
                                                                                            : std::vector<ImageRef>(n);
    if (refs.size() != n) throw py::value_error("score: " + std::to_string(refs.size()) + " images for " + std::to_string(n) + " feature rows");
    std::vector<ImageEmbedding> batch(n);
    for (size_t i = 0; i < n; ++i) {
      if (refs[i].name.empty()) refs[i].name = "row " + std::to_string(i);  // nothing for the MLLM to read
      batch[i].file = refs[i].name;
      batch[i].embedding.assign(f.data() + i * dim, f.data() + (i + 1) * dim);
    }
    const CancelFn cancel = interrupt.hook();
    return locked([&](OodScorer& scorer) {
      return in_chunks(n, split, cancel, [&](size_t at, size_t k) {
        const std::vector<ImageEmbedding> part(batch.begin() + at, batch.begin() + at + k);
        return scorer.score(part, {refs.begin() + at, refs.begin() + at + k});
      });
    });
  }

  std::vector<ScoredImage> score_images(const py::object& inputs, size_t split, const ProgressFn& report,
                                        Interrupt& interrupt) {
    if (clip_ == nullptr) throw py::value_error("this Detector has no Clip (clip=None): give features, not images");
    const std::vector<ImageRef> refs = image_refs(inputs);
    const CancelFn cancel = interrupt.hook();
    return locked([&](OodScorer&) {
      return in_chunks(refs.size(), split, cancel, [&](size_t at, size_t k) {
        return stream_->score_batch({refs.begin() + at, refs.begin() + at + k},
                                    [&](size_t done, size_t) { if (report) report(at + done, refs.size()); });
      });
    });
  }

  // One detector batch per chunk of `split` (0: all at once); stops between chunks on Ctrl-C.
  template <typename F>
  static std::vector<ScoredImage> in_chunks(size_t n, size_t split, const CancelFn& cancel, F&& score_chunk) {
    std::vector<ScoredImage> rows;
    const size_t step = split == 0 ? std::max<size_t>(n, 1) : split;
    for (size_t at = 0; at < n; at += step) {
      if (at > 0 && cancel()) break;
      for (auto& r : score_chunk(at, std::min(step, n - at))) rows.push_back(std::move(r));
    }
    return rows;
  }


  py::dict scores_dict(const std::vector<ScoredImage>& rows) {
    const size_t n = rows.size();
    const float nan = std::numeric_limits<float>::quiet_NaN();
    py::array_t<float> score(n), prob(n), far(n), near(n);
    py::array_t<int32_t> pred(n);
    py::list names, errors;
    for (size_t i = 0; i < n; ++i) {
      const ScoredImage& r = rows[i];
      const bool ok = r.error.empty();
      score.mutable_at(i) = ok ? r.score : nan;
      prob.mutable_at(i) = ok ? r.prob : nan;
      far.mutable_at(i) = ok ? r.far : nan;
      near.mutable_at(i) = ok ? r.near : nan;
      pred.mutable_at(i) = ok ? r.pred : -1;
      names.append(r.file);
      if (!ok) errors.append(py::make_tuple(i, r.file, r.error));
    }
    py::dict d;
    d["score"] = score;
    d["pred"] = pred;
    d["prob"] = prob;
    if (locked([](OodScorer& sc) { return sc.method(); }) == Method::ants) {
      d["far"] = far;
      d["near"] = near;
    }
    d["names"] = names;
    d["errors"] = errors;
    return d;
  }

  py::object clip_object_, text_object_;  // kept alive: the scorer points into them
  const ClipModel* clip_ = nullptr;
  int dim_ = 0;
  std::unique_ptr<TextModel> own_text_;
  MllmBinding mllm_;
  std::unique_ptr<OodScorer> scorer_;
  ImageEmbedOptions embed_;
  std::unique_ptr<ImageStream> stream_;
  std::mutex mu_;
};

py::object negatives(const ClipModel& model, const py::object& classes, int count, const py::object& corpus,
                     const py::object& cache_dir, bool no_cache, const py::object& progress) {
  NegLabelOptions o;
  o.count = count;
  if (!corpus.is_none()) o.corpus_dir = path_of(corpus);
  if (!cache_dir.is_none()) o.cache.dir = path_of(cache_dir);
  o.cache.enabled = !no_cache;
  const std::vector<std::string> names = class_names(classes);
  Interrupt interrupt;
  const ProgressFn report = interrupt.progress(progress);
  NegLabelBank bank;
  {
    py::gil_scoped_release release;
    bank = select_neglabel_bank(model, names, o, report);
  }
  interrupt.rethrow();
  return py::cast(std::move(bank.bank));
}

py::array_t<float> features_view(const TextBank& b, const py::object& self) {
  py::array_t<float> view({static_cast<py::ssize_t>(b.features.rows), static_cast<py::ssize_t>(b.features.dim)},
                          b.features.data.data(), self);  // kept alive by the bank
  py::detail::array_proxy(view.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return view;
}

}  // namespace

void bind_detector(py::module_& m) {
  py::class_<TextBank>(m, "TextBank", "Prompts and their CLIP text embeddings: features[i] belongs to prompts[i].")
      .def(py::init([](std::vector<std::string> prompts, const py::object& features) {
             const auto f = float_rows(features, "features");
             if (static_cast<size_t>(f.shape(0)) != prompts.size()) throw py::value_error("one feature row per prompt");
             FeatureMatrix rows{prompts.size(), static_cast<int>(f.shape(1)), {f.data(), f.data() + f.size()}};
             return TextBank{std::move(prompts), std::move(rows)};
           }),
           py::arg("prompts"), py::arg("features"))
      .def_readonly("prompts", &TextBank::prompts, "list[str]")
      .def_property_readonly(
          "features", [](py::object self) { return features_view(self.cast<const TextBank&>(), self); },
          "float32 array (len(prompts), embed_dim), L2-normalised rows")
      .def("__len__", &TextBank::size);

  m.def("negatives", &negatives, py::arg("clip"), py::arg("classes"), py::arg("count") = 10000,
        py::arg("corpus") = py::none(), py::arg("cache_dir") = py::none(), py::arg("no_cache") = false,
        py::arg("progress") = py::none(),
        "The NegLabel negative bank for the ID classes (method.md §3.2): an ants.TextBank of `count` prompts.\n"
        "classes: a list of names, a built-in list (the `ants --classes` names: 'imagenet', 'cifar10', 'imagenet-r', 'cub200', ...) or a class-list file.");

  py::class_<Detector>(m, "_Detector")
      .def(py::init<const py::object&, const py::object&, const std::string&, const py::object&, const py::object&,
                    const py::object&, const py::object&, const py::object&, float, bool, const std::string&,
                    const std::string&, int, const py::object&, py::kwargs>(),
           py::arg("clip"), py::arg("classes"), py::arg("method") = "ants", py::arg("mode") = py::none(),
           py::arg("mllm") = py::none(), py::arg("negatives") = py::none(), py::arg("preset") = py::none(),
           py::arg("text_encoder") = py::none(), py::arg("logit_scale") = 100.0f, py::arg("mllm_sync") = true,
           py::arg("mllm_parse") = "lenient", py::arg("preprocess") = "clip", py::arg("infer_batch") = 32,
           py::arg("progress") = py::none())
      .def("score", &Detector::score, py::arg("inputs"), py::arg("batch") = py::none(), py::arg("files") = py::none(),
           py::arg("images") = py::none(), py::arg("progress") = py::none())
      .def_property_readonly("state", &Detector::state)
      .def_property_readonly("ens_labels", [](Detector& d) { return d.locked([](OodScorer& s) { return s.far_labels(); }); })
      .def_property_readonly("vsnl_labels", [](Detector& d) { return d.locked([](OodScorer& s) { return s.near_labels(); }); })
      .def_property_readonly("classes", [](Detector& d) { return d.locked([](OodScorer& s) { return s.classes(); }); })
      .def_property_readonly("method", [](Detector& d) { return d.locked([](OodScorer& s) { return method_name(s.method()); }); })
      .def_property_readonly("negatives", [](Detector& d) { return d.locked([](OodScorer& s) { return s.negatives(); }); })
      .def_property_readonly("warnings", [](Detector& d) { return d.locked([](OodScorer& s) { return s.warnings(); }); })
      .def("reset",
           [](Detector& d, const std::optional<uint64_t>& seed) {
             d.locked([&](OodScorer& s) { seed ? s.reset(*seed) : s.reset(); });
           },
           py::arg("seed") = py::none())
      .def("snapshot",
           [](Detector& d, const py::object& path) {
             const std::string p = path_of(path);
             d.locked([&](OodScorer& s) { s.snapshot(p); });
           },
           py::arg("path"))
      .def("restore",
           [](Detector& d, const py::object& path) {
             const std::string p = path_of(path);
             d.locked([&](OodScorer& s) { s.restore(p); });
           },
           py::arg("path"))
      .def("_close", &Detector::close);
}

}  // namespace ants::python
