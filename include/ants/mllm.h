// ants/mllm.h — what the detector asks of a multimodal LLM, as an interface any front end can
// implement: the HTTP client (ants/mllm-client.h, which also replays recorded answers), an
// in-process model behind Python, or a test's script.
#pragma once

#include <ants/export.h>
#include <ants/image.h>

#include <functional>
#include <memory>
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
// How raw answers become descriptions and labels. lenient: clean what real servers send (think
// blocks, markdown, preambles, comma lists, ...) then apply the method.md §4.5 rules; empty results
// are failures. reference: method.md §4.5 exactly.
enum class MllmParse { lenient, reference };

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
  // Whether complete() can answer at all (the default answers nothing).
  virtual bool supports_complete() const { return false; }
  // How this MLLM parses answers; callers of complete() parse its raw text the same way.
  virtual MllmParse parse_mode() const { return MllmParse::lenient; }
};

// An MLLM made of functions, e.g. a model running in the caller's process (a front end's Python
// object). Both return the model's raw text; it is parsed exactly as a server's answer is.
struct MllmCallbacks {
  // A short description of `image` (ImageRef::read() gives its encoded bytes) that does not name
  // `exclude_class` (empty: none). nullopt or an exception: no answer.
  std::function<std::optional<std::string>(const ImageRef& image, const std::string& exclude_class)> describe;
  // Names of classes that look like `class_name`, as a list in text (numbered, one per line, ...).
  // Empty function: the MLLM has no VSNL (supports_similar() is false).
  std::function<std::optional<std::string>(const std::string& class_name)> similar;
};

// sync: each call returns when every answer is in (the reference order). Otherwise the functions
// run on one background thread, calls return nullopt for what is not answered yet, and poll()
// hands the answers over (an item already waiting is not asked twice). The functions must be
// safe to call from that thread. Destroying the Mllm waits for the call in progress.
ANTS_API std::unique_ptr<Mllm> make_callback_mllm(MllmCallbacks callbacks, MllmParse parse = MllmParse::lenient,
                                                  bool sync = true);

}  // namespace ants
