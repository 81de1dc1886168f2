// One function per bound header, called by the module definition.
#pragma once

#include <pybind11/pybind11.h>

namespace ants::python {

namespace py = pybind11;

void bind_clip(pybind11::module_& m);
void bind_metrics(pybind11::module_& m);
void bind_mllm(pybind11::module_& m);
void bind_detector(pybind11::module_& m);
void bind_eval(pybind11::module_& m);
void bind_demo(pybind11::module_& m);

}  // namespace ants::python
