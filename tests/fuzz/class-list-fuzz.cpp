// A class-list file typed by hand (--classes FILE): one name per line, comments, duplicates.
#include <ants/negatives.h>

#include "fuzz-common.h"

using namespace ants;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = fuzz::write_scratch("classes.txt", fuzz::as_view(data, size));
  std::vector<std::string> warnings;
  fuzz::expect_clean([&] { read_class_list(path, &warnings); });
  return 0;
}
