// A record/replay file (--mllm-replay): JSON lines of recorded answers.
#include "fuzz-common.h"
#include "mllm/replay-log.h"

using namespace ants;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = fuzz::write_scratch("replay.jsonl", fuzz::as_view(data, size));
  fuzz::expect_clean([&] {
    const mllm::ReplayLog log(path);
    log.find("00000000000000000000000000000000");
  });
  return 0;
}
