// ants.demo_images: the generated images of `ants demo` (four ID scenes and OOD textures), for
// examples and tests that need real image files and no download.
#include <ants/demo.h>
#include <pybind11/stl.h>

#include "bindings.h"
#include "convert.h"

namespace ants::python {

void bind_demo(py::module_& m) {
  m.def(
      "demo_images",
      [](const py::object& dir, int n_id, int n_ood) {
        const std::string root = path_of(dir);
        std::vector<std::pair<std::string, int>> id;
        for (const auto& im : write_demo_images(root, n_id, n_ood)) id.emplace_back(im.file, im.label);
        return py::make_tuple(id, demo_class_names());
      },
      py::arg("dir"), py::arg("n_id") = 24, py::arg("n_ood") = 16,
      "Writes `ants demo`'s images under dir/id (four scenes) and dir/ood (textures), identical on every\n"
      "machine. Returns ([(id_file, label), ...], class_names).");
}

}  // namespace ants::python
