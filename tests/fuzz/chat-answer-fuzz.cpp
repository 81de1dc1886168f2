// What an MLLM server sends back: a chat-completions body (or a model list), then its content
// through both answer parsers (lenient and reference), as a description and as a label list.
#include "fuzz-common.h"
#include "mllm/answer-parse.h"
#include "mllm/chat-request.h"

using namespace ants;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body = fuzz::as_view(data, size);
  fuzz::expect_clean([&] { mllm::read_model_list(body, "fuzz"); });
  const mllm::ChatAnswer answer = mllm::read_chat_answer(body);
  if (!answer.content) return 0;
  for (const MllmParse mode : {MllmParse::lenient, MllmParse::reference}) {
    mllm::parse_description(*answer.content, mode);
    mllm::parse_similar(*answer.content, mode, "golden retriever");
  }
  return 0;
}
