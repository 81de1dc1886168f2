// What the end-to-end CLI suites share: a warm text cache for the demo classes and a scripted
// MLLM whose answers depend only on each request's content.
#pragma once

#include <ants/demo.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>

#include "cli-runner.h"
#include "core/file-util.h"
#include "fake-openai-server.h"
#include "test-paths.h"

namespace ants::test {

// The build tree's shared text cache (test::shared_text_cache) with the ~72k NegLabel candidate
// prompts of the tiny model embedded: the first suite to ask embeds them once (`ants negatives`
// for the demo classes), every later one finds them.
inline std::filesystem::path warm_text_cache() {
  const std::filesystem::path warm = shared_text_cache();
  const std::filesystem::path classes = temp_dir() / "demo-classes.txt";
  std::string names;
  for (const auto& c : demo_class_names()) names += c + "\n";
  core::write_file_atomic(classes, names);
  const auto r = run_cli({"negatives", "--model", tiny_model_dir().string(), "--precision", "fp32", "--classes",
                          classes.string(), "--count", "300", "--cache-dir", warm.string(), "--out",
                          (temp_dir() / "bank.txt").string()});
  EXPECT_EQ(r.code, 0) << r.err;
  return warm;
}

// The finished entries of a cache directory that other test processes may be writing to at the
// same time (their temporary files come and go; a missing entry is only a cache miss).
inline void copy_cache_entries(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::filesystem::create_directories(to);
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(from, ec)) {
    if (e.path().extension() == ".bin") std::filesystem::copy_file(e.path(), to / e.path().filename(), ec);
  }
}

// A VSNL answer for similar-class prompts, a description for images that depends only on the
// request's content (never on the order of requests, so a resumed run gets the same answers).
inline FakeOpenAiServer::Script scripted_mllm() {
  return [](const nlohmann::json& body, int, httplib::Response& res) {
    const std::string prompt = FakeOpenAiServer::prompt_of(body);
    const bool vsnl = prompt.find("five") != std::string::npos || prompt.find("Five") != std::string::npos;
    const size_t h = std::hash<std::string>{}(body["messages"].dump());
    res.set_content(FakeOpenAiServer::completion(vsnl ? "1. purple blob\n2. grey cube\n3. brown cone"
                                                      : "pattern number " + std::to_string(h % 7)),
                    "application/json");
  };
}

}  // namespace ants::test
