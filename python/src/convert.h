// What every binding converts: feature matrices to numpy, Python images to ImageRefs, Python
// callables to the library's progress and cancel hooks (the GIL taken only inside them).
#pragma once

#include <ants/callbacks.h>
#include <ants/image.h>
#include <ants/matrix.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <atomic>
#include <optional>
#include <string>
#include <vector>

namespace ants::python {

namespace py = pybind11;

// A path argument as os.fspath gives it (str or os.PathLike).
std::string path_of(const py::handle& path);

// The matrix's rows as an (N, D) float32 array that owns the data (moved, not copied).
py::array_t<float> to_numpy(FeatureMatrix&& m);

// A C-contiguous (N, D) float32 array, as given (viewed) or copied when it is not contiguous;
// ValueError naming `what` and the expected shape otherwise.
py::array_t<float, py::array::c_style> float_rows(const py::handle& array, const std::string& what,
                                                   std::optional<int> dim = std::nullopt);

// A list (or tuple) of images: paths (str or os.PathLike), encoded bytes, or uint8 RGB arrays
// (H, W, 3); a uint8 array (N, H, W, 3) is N images. ValueError for anything else, naming the
// item. Arrays are named "array I" (I its position), bytes "image I".
std::vector<ImageRef> image_refs(const py::handle& images);

// True for a float32 array (N, 3, S, S): images already preprocessed.
bool is_preprocessed(const py::handle& images);

// What a long call hands to the library and raises afterwards: progress as (done, total) calls of
// a Python callable, and a cancel hook that polls Python's signal handlers (Ctrl-C) from C++ work
// running without the GIL. An exception from the callable (or the KeyboardInterrupt) stops the
// work at the next batch boundary; rethrow() then raises it in Python. Lives in the binding
// function's scope (its saved exception is released with the GIL held).
class Interrupt {
 public:
  ProgressFn progress(const py::object& callable);  // None: no progress
  CancelFn hook();
  bool raised() const { return raised_.load(); }
  void rethrow();  // with the GIL held

 private:
  std::atomic<bool> raised_{false};  // set by the hooks on the library's threads
  std::optional<py::error_already_set> error_;  // from the callable
};

}  // namespace ants::python
