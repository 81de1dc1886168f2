#include "convert.h"

#include <pybind11/stl.h>

#include <memory>

namespace ants::python {

py::array_t<float> to_numpy(FeatureMatrix&& m) {
  auto* data = new std::vector<float>(std::move(m.data));
  py::capsule owner(data, [](void* p) { delete static_cast<std::vector<float>*>(p); });
  const std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(m.rows), static_cast<py::ssize_t>(m.dim)};
  const std::vector<py::ssize_t> strides{shape[1] * static_cast<py::ssize_t>(sizeof(float)), sizeof(float)};
  return py::array_t<float>(shape, strides, data->data(), owner);
}

std::string path_of(const py::handle& path) {
  return py::module_::import("os").attr("fspath")(path).cast<std::string>();
}

namespace {

std::string shape_of(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s += (i ? ", " : "") + std::to_string(a.shape(i));
  return s + (a.ndim() == 1 ? ",)" : ")");
}

bool is_array(const py::handle& h) { return py::isinstance<py::array>(h); }

ImageRef array_image(const py::handle& item, const std::string& name) {
  const auto a = py::reinterpret_borrow<py::array>(item);
  if (!a.dtype().is(py::dtype::of<uint8_t>()) || a.ndim() != 3 || a.shape(2) != 3 || a.shape(0) == 0 || a.shape(1) == 0) {
    throw py::value_error(name + ": expected a uint8 RGB array of shape (H, W, 3), got " +
                          std::string(py::str(a.dtype())) + " " + shape_of(a));
  }
  const auto c = py::array_t<uint8_t, py::array::c_style>::ensure(a);  // copies only strided arrays
  ImageRGB8 img{static_cast<int>(c.shape(1)), static_cast<int>(c.shape(0)), {}};
  img.data.assign(c.data(), c.data() + c.size());
  return ImageRef::decoded(std::move(img), name);
}

ImageRef one_image(const py::handle& item, size_t i) {
  if (py::isinstance<py::bytes>(item)) return ImageRef::memory(item.cast<std::string>(), "image " + std::to_string(i));
  if (py::isinstance<py::str>(item) || py::hasattr(item, "__fspath__"))
    return ImageRef::file(path_of(item));
  if (is_array(item)) return array_image(item, "array " + std::to_string(i));
  throw py::value_error("item " + std::to_string(i) + " is not an image: expected a path, bytes, a uint8 (H, W, 3) "
                        "array or a PIL image, got " + std::string(py::str(py::type::of(item))));
}

}  // namespace

py::array_t<float, py::array::c_style> float_rows(const py::handle& array, const std::string& what,
                                                   std::optional<int> dim) {
  if (!is_array(array)) throw py::value_error(what + ": expected a float32 numpy array of shape (N, D)");
  const auto a = py::reinterpret_borrow<py::array>(array);
  const std::string want = dim ? "(N, " + std::to_string(*dim) + ")" : "(N, D)";
  if (!a.dtype().is(py::dtype::of<float>()) || a.ndim() != 2 || (dim && a.shape(1) != *dim)) {
    throw py::value_error(what + ": expected a float32 array of shape " + want + ", got " +
                          std::string(py::str(a.dtype())) + " " + shape_of(a));
  }
  return py::array_t<float, py::array::c_style>::ensure(a);
}

bool is_preprocessed(const py::handle& images) {
  if (!is_array(images)) return false;
  const auto a = py::reinterpret_borrow<py::array>(images);
  return !a.dtype().is(py::dtype::of<uint8_t>());
}

std::vector<ImageRef> image_refs(const py::handle& images) {
  std::vector<ImageRef> refs;
  if (is_array(images)) {
    const auto a = py::reinterpret_borrow<py::array>(images);
    if (a.ndim() == 3) return {array_image(a, "array 0")};
    if (!a.dtype().is(py::dtype::of<uint8_t>()) || a.ndim() != 4 || a.shape(3) != 3) {
      throw py::value_error("images: expected uint8 RGB arrays (N, H, W, 3) or float32 preprocessed (N, 3, S, S), got " +
                            std::string(py::str(a.dtype())) + " " + shape_of(a));
    }
    for (py::ssize_t i = 0; i < a.shape(0); ++i) refs.push_back(array_image(a[py::int_(i)], "array " + std::to_string(i)));
    return refs;
  }
  if (py::isinstance<py::str>(images) || py::isinstance<py::bytes>(images))
    throw py::value_error("images: expected a list of images, got a single " + std::string(py::str(py::type::of(images))));
  size_t i = 0;
  for (const py::handle item : py::iter(images)) refs.push_back(one_image(item, i++));
  return refs;
}

ProgressFn Interrupt::progress(const py::object& callable) {
  if (callable.is_none()) return {};
  auto fn = std::make_shared<py::object>(callable);  // the last copy dies in the binding, under the GIL
  return [this, fn](size_t done, size_t total) {
    if (raised_) return;
    py::gil_scoped_acquire gil;
    try {
      (*fn)(done, total);
    } catch (py::error_already_set& e) {
      error_.emplace(std::move(e));
      raised_ = true;
    }
  };
}

CancelFn Interrupt::hook() {
  return [this]() -> bool {
    if (raised_) return true;
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) raised_ = true;  // leaves the exception set for rethrow()
    return raised_;
  };
}

void Interrupt::rethrow() {
  if (!raised_) return;
  if (error_) {
    py::error_already_set e = std::move(*error_);
    error_.reset();
    throw e;
  }
  throw py::error_already_set();
}

}  // namespace ants::python
