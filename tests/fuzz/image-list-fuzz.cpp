// An OpenOOD image list (eval's --id/--ood): "relative/path label" lines read against a data
// root, as ID (labels required) and as OOD.
#include <ants/inputs.h>

#include "fuzz-common.h"

using namespace ants;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = fuzz::write_scratch("list.txt", fuzz::as_view(data, size));
  for (const bool ood : {false, true})
    fuzz::expect_clean([&] { read_image_list(path, fuzz::scratch() / "root", ood); });
  return 0;
}
