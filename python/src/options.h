// Python keyword arguments to library options: the CLI's long option names without "--", dashes
// as underscores (eta, ens_updates, near_top, no_permute, count, cache_dir, ...), and the MLLM a
// Detector or eval talks to (an ants.MllmClient or any Python object with describe/similar).
#pragma once

#include <ants/mllm.h>
#include <ants/scorer.h>
#include <pybind11/pybind11.h>

#include <memory>
#include <string>
#include <vector>

namespace ants::python {

namespace py = pybind11;

// method, mode (None: ada, or the preset's), preset, negatives (a file path or an ants.TextBank) and every detector and bank
// option in `options` (consumed). TypeError for an unknown keyword, ants.Error for a bad value.
ScorerOptions scorer_options(const std::string& method, const py::object& mode, const py::object& preset,
                             const py::object& negatives, py::dict& options);

// max_pixels (the CLI's --max-pixels; consumed from `options`): the largest image decoded.
uint64_t take_max_pixels(py::dict& options);

// classes: a list of names, a built-in list name ("imagenet", "cifar10", "cifar100") or a file.
std::vector<std::string> class_names(const py::handle& classes);

// "lenient" or "reference" (ants.Error otherwise).
MllmParse parse_mode(const std::string& name);

// The MLLM of a detector: none, an ants.MllmClient (used as it is), or a Python object whose
// describe(image: bytes, exclude_class: str | None) and optional similar(class_name) are called
// with the GIL taken (their answers parsed with `parse`; sync unless `sync` is false).
class MllmBinding {
 public:
  MllmBinding(py::object mllm, bool sync, MllmParse parse);
  ~MllmBinding();  // stops a Python MLLM's thread without the GIL, then drops the object
  MllmBinding(const MllmBinding&) = delete;
  MllmBinding& operator=(const MllmBinding&) = delete;
  Mllm* get() const { return mllm_; }
  bool sync() const { return sync_; }  // answers come back within the call that asks
  // Stops a Python MLLM's thread (waiting for the call in progress); get() is null after.
  void close();

 private:
  py::object object_;
  std::unique_ptr<Mllm> own_;
  Mllm* mllm_ = nullptr;
  bool sync_ = true;
};


}  // namespace ants::python
