// The OpenAI chat-completions wire format: request bodies, answers, model lists, and the key that
// names one call in the answer cache and the record/replay file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ants::mllm {

struct ChatRequest {
  std::string model;      // may be empty (servers with one model accept that)
  std::string system;     // system message text
  std::string prompt;     // user text after substitution
  std::string image_url;  // data URL of the image, empty: text only
  int max_tokens = 30;
  std::optional<int64_t> seed;
};

// The JSON body: model, messages (system; user with the image first, then the text), max_tokens,
// temperature 0, stream false, seed when set.
std::string chat_request_body(const ChatRequest& r);

// choices[0].message.content of a chat-completions body; `error` says what is wrong otherwise
// (invalid JSON, an "error" object, no choices, content not a string).
struct ChatAnswer {
  std::optional<std::string> content;
  std::string error;
};
ChatAnswer read_chat_answer(std::string_view body);

// The ids of GET /v1/models ({"data": [{"id": ...}]}, or Ollama's {"models": [{"name"|"model"}]}).
// Throws ants::Error(format) with `where` for anything else.
std::vector<std::string> read_model_list(std::string_view body, std::string_view where);

// What identifies one answer: everything that changes what the server is asked.
struct CallKey {
  std::string kind;           // "describe", "similar" or "envision"
  std::string model;
  std::string system;
  std::string prompt;         // after substitution
  std::string template_hash;
  int max_tokens = 0;
  std::optional<int64_t> seed;
  int image_size = 0;         // describe: the upload size setting; similar: 0
  std::string subject;        // describe: content hash of the image; similar: the class; text: ""
};
// 32 hex digits.
std::string call_key(const CallKey& k);

}  // namespace ants::mllm
