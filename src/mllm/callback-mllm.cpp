// An Mllm over caller-given functions: their raw answers parsed as a server's, called in order
// (sync) or on one background thread whose answers poll() hands over (async).
#include <ants/mllm.h>

#include <cxxabi.h>

#include <functional>
#include <memory>
#include <mutex>
#include <set>

#include "mllm/answer-parse.h"
#include "mllm/worker-pool.h"

namespace ants {

namespace {

class CallbackMllm final : public Mllm {
 public:
  CallbackMllm(MllmCallbacks fns, MllmParse parse, bool sync)
      : fns_(std::move(fns)), parse_(parse), sync_(sync), pool_(1) {}
  MllmParse parse_mode() const override { return parse_; }
  ~CallbackMllm() override { pool_.stop(); }

  bool supports_similar() const override { return static_cast<bool>(fns_.similar); }

  MllmLateAnswers poll() override {
    MllmLateAnswers out;
    std::lock_guard lock(mu_);
    std::swap(out, late_);
    return out;
  }

  std::vector<std::optional<std::string>> describe(const std::vector<ImageRef>& images,
                                                   const std::vector<std::string>& classes) override {
    std::vector<std::optional<std::string>> out(images.size());
    for (size_t i = 0; i < images.size(); ++i) {
      const std::string cls = i < classes.size() ? classes[i] : std::string();
      if (sync_) {
        out[i] = describe_one(images[i], cls);
        continue;
      }
      ask_later(key('d', safe_hash(images[i]), cls), [this, image = images[i], cls] {
        auto text = describe_one(image, cls);
        return [text = std::move(text)](MllmLateAnswers& late) {
          if (text) late.descriptions.push_back(*text);
        };
      });
    }
    return out;
  }

  std::vector<std::optional<std::vector<std::string>>> similar(const std::vector<std::string>& classes) override {
    std::vector<std::optional<std::vector<std::string>>> out(classes.size());
    if (!fns_.similar) return out;
    for (size_t i = 0; i < classes.size(); ++i) {
      if (sync_) {
        out[i] = similar_one(classes[i]);
        continue;
      }
      ask_later(key('s', classes[i], {}), [this, cls = classes[i]] {
        auto labels = similar_one(cls);
        return [cls, labels = std::move(labels)](MllmLateAnswers& late) {
          if (labels) late.similar.emplace_back(cls, *labels);
        };
      });
    }
    return out;
  }

 private:
  // What identifies a waiting item: its kind, the image or class, and the excluded class.
  static std::string key(char kind, std::string_view subject, std::string_view cls) {
    std::string k(1, kind);
    k.append(subject).append(1, '|').append(cls);
    return k;
  }

  static std::string safe_hash(const ImageRef& image) {
    try {
      return image.content_hash();
    } catch (const std::exception&) {
      return image.name;
    }
  }

  // Async: `ask` runs on the background thread (unless the item is already waiting) and returns
  // what to add to the late answers; the item stops waiting once that is added.
  template <typename Ask>
  void ask_later(std::string key, Ask ask) {
    {
      std::lock_guard lock(mu_);
      if (!in_flight_.insert(key).second) return;
    }
    pool_.submit([this, key = std::move(key), ask = std::move(ask)](int worker) {
      auto deliver = worker < 0 ? nullptr : std::function<void(MllmLateAnswers&)>(ask());
      std::lock_guard lock(mu_);
      in_flight_.erase(key);
      if (deliver) deliver(late_);
    });
  }

  // The caller's function may throw anything: that is "no answer", as a failed request is.
  std::optional<std::string> describe_one(const ImageRef& image, const std::string& cls) const {
    try {
      const auto raw = fns_.describe ? fns_.describe(image, cls) : std::nullopt;
      return raw ? mllm::parse_description(*raw, parse_) : std::nullopt;
    } catch (const abi::__forced_unwind&) {
      throw;  // a thread being cancelled (e.g. by the interpreter's exit) must unwind
    } catch (...) {
      return std::nullopt;
    }
  }

  std::optional<std::vector<std::string>> similar_one(const std::string& cls) const {
    try {
      const auto raw = fns_.similar(cls);
      return raw ? mllm::parse_similar(*raw, parse_, cls) : std::nullopt;
    } catch (const abi::__forced_unwind&) {
      throw;
    } catch (...) {
      return std::nullopt;
    }
  }

  MllmCallbacks fns_;
  MllmParse parse_;
  bool sync_;
  std::mutex mu_;
  MllmLateAnswers late_;
  std::set<std::string> in_flight_;
  mllm::WorkerPool pool_;  // last: its thread uses everything above
};

}  // namespace

std::unique_ptr<Mllm> make_callback_mllm(MllmCallbacks callbacks, MllmParse parse, bool sync) {
  return std::make_unique<CallbackMllm>(std::move(callbacks), parse, sync);
}

}  // namespace ants
