// A raw MLLM answer through both parsers (lenient and reference), as an ENS description and as
// a VSNL label list for a queried class. Input: the queried class, then the answer.
#include "fuzz-common.h"
#include "mllm/answer-parse.h"
#include "text/labels.h"

using namespace ants;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string queried = in.ConsumeRandomLengthString(64);
  const std::string raw = in.ConsumeRemainingBytesAsString();
  for (const MllmParse mode : {MllmParse::lenient, MllmParse::reference}) {
    mllm::parse_description(raw, mode);
    mllm::parse_similar(raw, mode, queried);
    mllm::parse_similar(raw, mode, queried, 40);
  }
  text::parse_numbered(raw);
  return 0;
}
