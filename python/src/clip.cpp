// ants.Clip: a loaded CLIP model; texts and image files in, float32 numpy rows out. The GIL is
// released while the engine runs, so other Python threads go on.
#include <ants/clip.h>
#include <ants/embed.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <memory>

#include "bindings.h"

namespace py = pybind11;

namespace ants::python {

namespace {

// The matrix's rows as an (N, D) float32 array that owns the data (moved, not copied).
py::array_t<float> to_numpy(FeatureMatrix&& m) {
  auto* data = new std::vector<float>(std::move(m.data));
  py::capsule owner(data, [](void* p) { delete static_cast<std::vector<float>*>(p); });
  const std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(m.rows), static_cast<py::ssize_t>(m.dim)};
  const std::vector<py::ssize_t> strides{shape[1] * static_cast<py::ssize_t>(sizeof(float)), sizeof(float)};
  return py::array_t<float>(shape, strides, data->data(), owner);
}

std::unique_ptr<ClipModel> load(const std::string& model_dir, const std::string& precision, int threads) {
  ClipParams p = clip_default_params();
  if (precision != "auto") p.precision = parse_precision(precision);
  p.n_threads = threads;
  py::gil_scoped_release release;
  return ClipModel::load(model_dir, p);
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
  d["context_length"] = i.context_length;
  d["logit_scale"] = i.logit_scale;
  d["parameters"] = i.n_params;
  return d;
}

py::array_t<float> encode_texts(const ClipModel& model, const std::vector<std::string>& texts, int batch) {
  FeatureMatrix out;
  {
    py::gil_scoped_release release;
    out = model.encode_texts(texts, batch);
  }
  return to_numpy(std::move(out));
}

// Image files or encoded bytes; the first that cannot be read is an ants.Error naming it.
py::array_t<float> encode_images(const ClipModel& model, const py::list& images, const std::string& preprocess,
                                 int batch) {
  std::vector<ImageRef> refs;
  for (size_t i = 0; i < images.size(); ++i) {
    const py::handle item = images[i];
    if (py::isinstance<py::bytes>(item)) {
      refs.push_back(ImageRef::memory(item.cast<std::string>(), "image " + std::to_string(i)));
    } else if (py::isinstance<py::str>(item) || py::hasattr(item, "__fspath__")) {
      refs.push_back(ImageRef::file(py::module_::import("os").attr("fspath")(item).cast<std::string>()));
    } else {
      throw py::value_error("encode_images: item " + std::to_string(i) + " is not a path or bytes");
    }
  }
  const ImageEmbedOptions options = image_embed_options(model, preprocess, batch, CacheOptions{false, {}});
  FeatureMatrix out{refs.size(), model.info().embed_dim, {}};
  {
    py::gil_scoped_release release;
    for (const auto& r : embed_images(model, refs, options)) {
      if (!r.error.empty()) throw Error(ErrorCode::io, r.error);
      out.data.insert(out.data.end(), r.embedding.begin(), r.embedding.end());
    }
  }
  return to_numpy(std::move(out));
}

}  // namespace

void bind_clip(py::module_& m) {
  py::class_<ClipModel>(m, "Clip",
                        "A CLIP model (any ViT) loaded from a Hugging Face or open_clip safetensors directory.")
      .def(py::init(&load), py::arg("model_dir"), py::arg("precision") = "auto", py::arg("threads") = 0,
           "precision: 'auto' (bf16 where the CPU has native bf16, else fp32), 'fp32' or 'bf16'; threads: 0 = all cores.")
      .def_property_readonly("info", &info, "The model's layout, sizes, dtype and precision (dict).")
      .def(
          "tokenize",
          [](const ClipModel& model, const std::vector<std::string>& texts) {
            std::vector<std::vector<int32_t>> ids;
            for (const auto& t : texts) ids.push_back(model.tokenizer().encode(t, model.info().context_length));
            return ids;
          },
          py::arg("texts"), "CLIP token ids of each text, start and end tokens included (list of lists of int).")
      .def("encode_texts", &encode_texts, py::arg("texts"), py::arg("batch") = 256,
           "L2-normalised text embeddings: float32 array of shape (len(texts), embed_dim).")
      .def("encode_images", &encode_images, py::arg("images"), py::arg("preprocess") = "clip", py::arg("batch") = 32,
           "L2-normalised image embeddings of image files (paths) or encoded bytes (JPEG, PNG, WebP, BMP):\n"
           "float32 array of shape (len(images), embed_dim). preprocess: 'clip' or 'openood'.\n"
           "An image that cannot be read raises ants.Error naming it.");
}

}  // namespace ants::python
