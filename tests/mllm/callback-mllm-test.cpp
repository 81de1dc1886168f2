// An MLLM of caller functions: answers parsed as a server's, failures are "no answer", async
// answers arrive through poll().
#include <ants/mllm.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace ants {
namespace {

using Labels = std::vector<std::string>;

MllmCallbacks scripted() {
  MllmCallbacks fns;
  fns.describe = [](const ImageRef& image, const std::string& cls) -> std::optional<std::string> {
    if (image.name == "throws") throw std::runtime_error("model crashed");
    if (image.name == "silent") return std::nullopt;
    return "Sure! Here's a short description: **A " + image.read() + "** not a " + cls + ".";
  };
  fns.similar = [](const std::string& cls) -> std::optional<std::string> {
    if (cls == "throws") throw 42;  // not even an exception type
    return "1. " + cls + "\n2. Lynx\n3. Bobcat";
  };
  return fns;
}

TEST(CallbackMllm, AnswersAreParsedAsAServersAndFailuresAreNoAnswer) {
  auto mllm = make_callback_mllm(scripted());
  EXPECT_TRUE(mllm->supports_similar());
  const auto d = mllm->describe({ImageRef::memory("red bus", "ok"), ImageRef::memory("x", "throws"),
                                 ImageRef::memory("x", "silent")},
                                {"cat", "cat", "cat"});
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].value(), "A red bus not a cat");  // the lenient parser's cleaning
  EXPECT_FALSE(d[1]);
  EXPECT_FALSE(d[2]);
  const auto s = mllm->similar({"tabby cat", "throws"});
  EXPECT_EQ(s[0].value(), (Labels{"Lynx", "Bobcat"}));  // the queried class is dropped
  EXPECT_FALSE(s[1]);
  EXPECT_TRUE(mllm->poll().empty());
}

TEST(CallbackMllm, ReferenceParsingKeepsTheTextAsItIs) {
  auto mllm = make_callback_mllm(scripted(), MllmParse::reference);
  EXPECT_EQ(mllm->similar({"cat"})[0].value(), (Labels{"cat", "Lynx", "Bobcat"}));
}

TEST(CallbackMllm, WithoutASimilarFunctionThereIsNoVsnl) {
  MllmCallbacks fns = scripted();
  fns.similar = nullptr;
  auto mllm = make_callback_mllm(fns);
  EXPECT_FALSE(mllm->supports_similar());
  EXPECT_FALSE(mllm->similar({"cat"})[0]);
}

TEST(CallbackMllm, AsyncAnswersArriveThroughPollAndAreAskedOnce) {
  std::atomic<int> calls{0};
  MllmCallbacks fns = scripted();
  auto describe = fns.describe;
  fns.describe = [&calls, describe](const ImageRef& image, const std::string& cls) {
    ++calls;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return describe(image, cls);
  };
  auto mllm = make_callback_mllm(fns, MllmParse::lenient, /*sync=*/false);
  const std::vector<ImageRef> images{ImageRef::memory("red bus", "ok")};
  EXPECT_FALSE(mllm->describe(images, {"cat"})[0]);  // not answered yet
  mllm->describe(images, {"cat"});                   // still waiting: not asked again
  EXPECT_FALSE(mllm->similar({"dog"})[0]);
  MllmLateAnswers late;
  for (int i = 0; i < 500 && (late.descriptions.empty() || late.similar.empty()); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto more = mllm->poll();
    late.descriptions.insert(late.descriptions.end(), more.descriptions.begin(), more.descriptions.end());
    late.similar.insert(late.similar.end(), more.similar.begin(), more.similar.end());
  }
  EXPECT_EQ(late.descriptions, (Labels{"A red bus not a cat"}));
  ASSERT_EQ(late.similar.size(), 1u);
  EXPECT_EQ(late.similar[0].first, "dog");
  EXPECT_EQ(calls.load(), 1);
}

}  // namespace
}  // namespace ants
