#include "mllm/chat-request.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/hash.h"

namespace ants::mllm {

using nlohmann::json;

std::string chat_request_body(const ChatRequest& r) {
  json user = json::array();
  if (!r.image_url.empty()) user.push_back({{"type", "image_url"}, {"image_url", {{"url", r.image_url}}}});
  user.push_back({{"type", "text"}, {"text", r.prompt}});
  json messages = json::array();
  if (!r.system.empty()) messages.push_back({{"role", "system"}, {"content", r.system}});
  messages.push_back({{"role", "user"}, {"content", user}});
  json body = {{"messages", messages},
               {"max_tokens", r.max_tokens},
               {"temperature", 0},
               {"stream", false}};
  if (!r.model.empty()) body["model"] = r.model;
  if (r.seed) body["seed"] = *r.seed;
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

ChatAnswer read_chat_answer(std::string_view body) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return {std::nullopt, "answer is not JSON"};
  if (!j.is_object()) return {std::nullopt, "answer is not a JSON object"};
  if (const auto e = j.find("error"); e != j.end()) {
    const std::string msg = e->is_object() && e->contains("message") && (*e)["message"].is_string()
                                ? (*e)["message"].get<std::string>()
                                : e->dump();
    return {std::nullopt, "server error: " + msg.substr(0, 200)};
  }
  const auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array() || choices->empty()) return {std::nullopt, "answer has no choices"};
  const json& first = (*choices)[0];
  if (!first.is_object() || !first.contains("message") || !first["message"].is_object())
    return {std::nullopt, "answer has no choices[0].message"};
  const json& content = first["message"].value("content", json());
  if (!content.is_string()) return {std::nullopt, "choices[0].message.content is not a string"};
  return {content.get<std::string>(), {}};
}

std::vector<std::string> read_model_list(std::string_view body, std::string_view where) {
  const json j = json::parse(body, nullptr, false);
  std::vector<std::string> ids;
  auto take = [&](const json& list, std::initializer_list<const char*> fields) {
    for (const auto& m : list) {
      if (!m.is_object()) continue;
      for (const char* f : fields)
        if (m.contains(f) && m[f].is_string()) {
          ids.push_back(m[f].get<std::string>());
          break;
        }
    }
  };
  if (j.is_object() && j.contains("data") && j["data"].is_array()) take(j["data"], {"id"});
  else if (j.is_object() && j.contains("models") && j["models"].is_array()) take(j["models"], {"name", "model"});
  else core::fail(ErrorCode::format, where, "not a model list (expected {\"data\": [{\"id\": ...}]})");
  return ids;
}

std::string call_key(const CallKey& k) {
  core::Hasher h;
  h.add(std::string_view("ants-mllm-v1")).add(k.kind).add(k.model).add(k.system).add(k.prompt).add(k.template_hash);
  h.add(static_cast<uint64_t>(k.max_tokens)).add(uint64_t{k.seed.has_value()}).add(static_cast<uint64_t>(k.seed.value_or(0)));
  h.add(static_cast<uint64_t>(k.image_size)).add(k.subject);
  return h.digest().hex();
}

}  // namespace ants::mllm
