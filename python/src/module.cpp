// The _ants extension: one ants.Error for every library error, the version, and the bindings of
// each public header (clip.cpp, metrics.cpp). Logic lives in libants; this only converts.
#include <ants/error.h>
#include <ants/version.h>
#include <pybind11/pybind11.h>

#include "bindings.h"

namespace py = pybind11;

PYBIND11_MODULE(_ants, m) {
  m.doc() = "ants: zero-shot, training-free, test-time OOD detection (ANTS) on a native CLIP engine";
  m.attr("__version__") = ANTS_VERSION;
  static py::exception<ants::Error> error(m, "Error", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ants::Error& e) {
      error(e.what());
    }
  });
  ants::python::bind_clip(m);
  ants::python::bind_metrics(m);
  ants::python::bind_mllm(m);
  ants::python::bind_detector(m);
  ants::python::bind_eval(m);
  ants::python::bind_demo(m);
}
