// Text the tokenizer meets (class names, MLLM labels): CLIP's cleaning (ftfy, HTML entities,
// whitespace, lower case) and byte-level BPE with the built-in merges.
#include <ants/tokenizer.h>

#include "fuzz-common.h"

using namespace ants;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto tokenizer = Tokenizer::builtin();
  const std::string_view text = fuzz::as_view(data, size);
  fuzz::expect_clean([&] {
    clip_clean_text(text);
    tokenizer->encode(text);
    tokenizer->encode_raw(text);
  });
  return 0;
}
