// A score file of `ants metrics`: one finite number per line, blank lines and comments.
#include <ants/metrics.h>

#include "fuzz-common.h"

using namespace ants;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = fuzz::write_scratch("scores.csv", fuzz::as_view(data, size));
  fuzz::expect_clean([&] { read_score_file(path); });
  return 0;
}
