// ants.metrics: the OpenOOD metrics in percent, the same keys and values as `ants metrics`.
#include <ants/metrics.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings.h"

namespace py = pybind11;

namespace ants::python {

namespace {

py::dict metrics(const py::array_t<double, py::array::c_style | py::array::forcecast>& id,
                 const py::array_t<double, py::array::c_style | py::array::forcecast>& ood) {
  if (id.ndim() != 1 || ood.ndim() != 1) throw py::value_error("metrics: id and ood scores must be 1-D arrays");
  OodMetrics m;
  {
    py::gil_scoped_release release;
    m = ood_metrics({id.data(), static_cast<size_t>(id.size())}, {ood.data(), static_cast<size_t>(ood.size())});
  }
  py::dict out;
  out["n_id"] = m.n_id;
  out["n_ood"] = m.n_ood;
  for (const auto& [key, value] : percent_metrics(m)) out[key] = value;
  return out;
}

}  // namespace

void bind_metrics(py::module_& m) {
  m.def("metrics", &metrics, py::arg("id_scores"), py::arg("ood_scores"),
        "OpenOOD v1.5 metrics in percent from 1-D arrays of scores (higher = more in-distribution):\n"
        "a dict with n_id, n_ood, auroc, fpr95, fpr95_id_positive, aupr_in, aupr_out, as `ants metrics` prints.");
}

}  // namespace ants::python
