#pragma once
#include <filesystem>
#include <string>

namespace ants::test {
// ../shared beside the checkout: fixtures from the project's shared material.
std::filesystem::path shared_dir();
// The tiny random CLIP in Hugging Face layout (../shared/testdata/clip-tiny/model).
std::filesystem::path tiny_model_dir();
// A fresh, empty directory under the system temp dir, unique to this test.
std::filesystem::path temp_dir();
// A text-embedding cache directory shared by every test process of this build tree (created):
// entries are keyed by content and written atomically, so tests that only need the NegLabel
// candidate embeddings as setup compute them once per build, not once per test.
std::filesystem::path shared_text_cache();
// Path of the built `ants` CLI (empty when tools are not built).
std::string cli_path();
}  // namespace ants::test
