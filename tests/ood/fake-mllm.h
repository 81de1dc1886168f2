// A deterministic, scriptable MLLM for detector tests: records every call it gets.
#pragma once

#include <ants/detector.h>
#include <ants/mllm.h>

#include <functional>
#include <stdexcept>

namespace ants::test {

struct FakeMllm : Mllm {
  std::function<std::optional<std::string>(const std::filesystem::path&, const std::string&)> describe_fn =
      [](const std::filesystem::path& f, const std::string&) { return "photo of " + f.stem().string(); };
  std::function<std::optional<std::vector<std::string>>(const std::string&)> similar_fn = [](const std::string& c) {
    return std::vector<std::string>{c + " twin", c + " cousin"};
  };
  bool can_suggest = true;
  MllmLateAnswers late;  // handed over (and cleared) by the next poll()
  int polls = 0;
  bool throw_everything = false;
  std::vector<std::vector<std::filesystem::path>> describe_files;
  std::vector<std::vector<ImageRef>> describe_refs;
  std::vector<std::vector<std::string>> describe_classes;
  std::vector<std::vector<std::string>> similar_calls;

  std::vector<std::optional<std::string>> describe(const std::vector<ImageRef>& images,
                                                   const std::vector<std::string>& classes) override {
    std::vector<std::filesystem::path> paths;
    for (const auto& im : images) paths.push_back(im.path);
    describe_files.push_back(paths);
    describe_refs.push_back(images);
    describe_classes.push_back(classes);
    if (throw_everything) throw std::runtime_error("server down");
    std::vector<std::optional<std::string>> out;
    for (size_t i = 0; i < images.size(); ++i) out.push_back(describe_fn(paths[i], classes[i]));
    return out;
  }
  std::vector<std::optional<std::vector<std::string>>> similar(const std::vector<std::string>& classes) override {
    similar_calls.push_back(classes);
    if (throw_everything) throw std::runtime_error("server down");
    std::vector<std::optional<std::vector<std::string>>> out;
    for (const auto& c : classes) out.push_back(similar_fn(c));
    return out;
  }
  bool supports_similar() const override { return can_suggest; }
  MllmLateAnswers poll() override {
    ++polls;
    if (throw_everything) throw std::runtime_error("server down");
    MllmLateAnswers out;
    std::swap(out, late);
    return out;
  }
};

}  // namespace ants::test
