// ants.Clip: a loaded CLIP model; texts and images in, float32 numpy rows out. The GIL is
// released while the engine runs, so other Python threads go on.
#include <ants/clip.h>
#include <ants/embed.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <memory>

#include "bindings.h"
#include "convert.h"

namespace ants::python {

namespace {

std::unique_ptr<ClipModel> load(const py::object& model_dir, const std::string& precision, const py::object& threads) {
  ClipParams p = clip_default_params();
  if (precision != "auto") p.precision = parse_precision(precision);
  p.n_threads = threads.is_none() ? 0 : threads.cast<int>();
  const std::string dir = path_of(model_dir);
  py::gil_scoped_release release;
  return ClipModel::load(dir, p);
}

py::dict info(const ClipModel& model) {
  const ClipInfo& i = model.info();
  py::dict d;
  d["layout"] = i.layout;
  d["weights_file"] = i.weights_file.string();
  d["weights_dtype"] = i.weights_dtype;
  d["precision"] = precision_name(model.params().precision);
  d["embed_dim"] = i.embed_dim;
  d["image_size"] = i.image_size;
  d["vision_arch"] = i.vision_arch;
  if (!i.vision_stages.empty()) d["vision_stages"] = i.vision_stages;
  d["context_length"] = i.context_length;
  d["logit_scale"] = i.logit_scale;
  d["parameters"] = i.n_params;
  return d;
}

py::array_t<float> encode_texts(const ClipModel& model, const std::vector<std::string>& texts, int batch,
                                const py::object& progress) {
  Interrupt interrupt;
  const ProgressFn report = interrupt.progress(progress);
  FeatureMatrix out;
  {
    py::gil_scoped_release release;
    out = model.encode_texts(texts, batch, report);
  }
  interrupt.rethrow();
  return to_numpy(std::move(out));
}

// (N, 3, S, S) float32, already preprocessed: straight into the model, `batch` images per pass.
FeatureMatrix encode_preprocessed(const ClipModel& model, const py::handle& images, int batch,
                                  const ProgressFn& report, Interrupt& interrupt) {
  const auto a = py::reinterpret_borrow<py::array>(images);
  const int s = model.info().image_size;
  if (!a.dtype().is(py::dtype::of<float>()) || a.ndim() != 4 || a.shape(1) != 3 || a.shape(2) != s || a.shape(3) != s) {
    throw py::value_error("images: expected preprocessed float32 (N, 3, " + std::to_string(s) + ", " +
                          std::to_string(s) + ") or uint8 RGB (N, H, W, 3), got " + std::string(py::str(a.dtype())) +
                          " with " + std::to_string(a.ndim()) + " dimensions");
  }
  const auto c = py::array_t<float, py::array::c_style>::ensure(a);  // a view when contiguous
  const size_t n = static_cast<size_t>(c.shape(0)), per_image = 3 * static_cast<size_t>(s) * s;
  FeatureMatrix out{n, model.info().embed_dim, std::vector<float>(n * model.info().embed_dim)};
  const CancelFn cancel = interrupt.hook();
  py::gil_scoped_release release;
  for (size_t at = 0; at < n; at += static_cast<size_t>(batch)) {
    if (cancel()) break;
    const size_t k = std::min(n - at, static_cast<size_t>(batch));
    model.encode_images(c.data() + at * per_image, static_cast<int>(k), out.row(at));
    if (report) report(at + k, n);
  }
  return out;
}

FeatureMatrix encode_refs(const ClipModel& model, const py::handle& images, const std::string& preprocess, int batch,
                          uint64_t max_pixels, const ProgressFn& report, Interrupt& interrupt) {
  const std::vector<ImageRef> refs = image_refs(images);
  ImageEmbedOptions options = image_embed_options(model, preprocess, batch, CacheOptions{false, {}});
  options.max_pixels = max_pixels;
  FeatureMatrix out{refs.size(), model.info().embed_dim, {}};
  const CancelFn cancel = interrupt.hook();
  py::gil_scoped_release release;
  for (const auto& r : embed_images(model, refs, options, report, nullptr, cancel)) {
    if (interrupt.raised()) break;
    if (!r.error.empty()) throw Error(ErrorCode::io, r.error);
    out.data.insert(out.data.end(), r.embedding.begin(), r.embedding.end());
  }
  return out;
}

py::array_t<float> encode_images(const ClipModel& model, const py::object& images, const std::string& preprocess,
                                 int batch, const py::object& progress, uint64_t max_pixels) {
  if (batch <= 0) throw py::value_error("batch must be positive");
  Interrupt interrupt;
  const ProgressFn report = interrupt.progress(progress);
  FeatureMatrix out = is_preprocessed(images) ? encode_preprocessed(model, images, batch, report, interrupt)
                                              : encode_refs(model, images, preprocess, batch, max_pixels, report, interrupt);
  interrupt.rethrow();
  return to_numpy(std::move(out));
}

}  // namespace

void bind_clip(py::module_& m) {
  py::class_<ClipModel>(m, "Clip",
                        "A CLIP model (any ViT) loaded from a Hugging Face or open_clip safetensors directory.\n\n"
                        "Embeddings are L2-normalised float32 rows of length info['embed_dim']. The GIL is released\n"
                        "while the model runs; one model may encode from several Python threads at once.")
      .def(py::init(&load), py::arg("model_dir"), py::arg("precision") = "auto", py::arg("threads") = py::none(),
           "model_dir: a Hugging Face (config.json + model.safetensors) or open_clip directory.\n"
           "precision: 'auto' (bf16 where the CPU has native bf16, else fp32), 'fp32' or 'bf16'.\n"
           "threads: compute threads (None: all cores).")
      .def_property_readonly("info", &info, "The model's layout, sizes, dtype and precision (dict).")
      .def(
          "tokenize",
          [](const ClipModel& model, const std::vector<std::string>& texts) {
            std::vector<std::vector<int32_t>> ids;
            for (const auto& t : texts) ids.push_back(model.tokenizer().encode(t, model.info().context_length));
            return ids;
          },
          py::arg("texts"), "CLIP token ids of each text, start and end tokens included (list of lists of int).")
      .def("encode_texts", &encode_texts, py::arg("texts"), py::arg("batch") = 256, py::arg("progress") = py::none(),
           "L2-normalised text embeddings: float32 array of shape (len(texts), embed_dim).\n"
           "batch: texts per forward pass; progress: a callable (done, total) or None.")
      .def("_encode_images", &encode_images, py::arg("images"), py::arg("preprocess") = "clip", py::arg("batch") = 32,
           py::arg("progress") = py::none(), py::arg("max_pixels") = kDefaultMaxPixels);
}

}  // namespace ants::python
