// ants/mllm.h — what the detector asks of a multimodal LLM, as an interface any front end can
// implement: the HTTP client (ants/mllm-client.h, which also replays recorded answers), an
// in-process model behind Python, or a test's script.
#pragma once

#include <ants/export.h>
#include <ants/image.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ants {

// Answers that arrived after the describe()/similar() call that asked for them had returned
// (an asynchronous Mllm answers nullopt for items still in flight).
struct MllmLateAnswers {
  std::vector<std::string> descriptions;                                   // ENS sentences
  std::vector<std::pair<std::string, std::vector<std::string>>> similar;  // class name, its labels
  bool empty() const { return descriptions.empty() && similar.empty(); }
};

// Every item may come back as "no answer" (std::nullopt): the detector then goes on with the
// banks it has. No method may throw (an implementation that fails answers nullopt).
class ANTS_API Mllm {
 public:
  virtual ~Mllm() = default;
  // Late answers since the last poll. The detector polls at the start of every batch and adds
  // them to its banks (descriptions to the ENS bank, labels to the VSNL cache of that class).
  // Synchronous implementations have none.
  virtual MllmLateAnswers poll() { return {}; }
  // One short description per image, not naming its predicted ID class (`predicted_classes`
  // has one name per image, or is empty).
  virtual std::vector<std::optional<std::string>> describe(const std::vector<ImageRef>& images,
                                                           const std::vector<std::string>& predicted_classes) = 0;
  // Names of classes that look like each given class, already parsed into labels.
  virtual std::vector<std::optional<std::vector<std::string>>> similar(const std::vector<std::string>& classes) = 0;
  virtual bool supports_similar() const = 0;
  // One text-only answer per prompt (no image): the raw text, for methods that ask an LLM about
  // class names alone. The default has no answers.
  virtual std::vector<std::optional<std::string>> complete(const std::vector<std::string>& prompts) {
    return std::vector<std::optional<std::string>>(prompts.size());
  }
};

}  // namespace ants
