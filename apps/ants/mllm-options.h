// The --mllm-* option group every command that talks to an MLLM server shares (describe,
// similar, mllm-check, detect, eval), and the client made from it.
#pragma once

#include <ants/mllm-client.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ants::cli {

struct MllmCliOptions {
  std::string url, model, parse, cache, record, replay, prompt_ens, prompt_vsnl;  // parse "": lenient
  double timeout = 60;
  int retries = 3, parallel = 4, image_size = 448, max_tokens = 0;  // max_tokens 0: 30 (ENS) / 100 (VSNL)
  bool sync = false;
  std::vector<std::string> headers;  // "Name: value"
  int64_t seed = 0;
  bool seed_set = false;
};

// Adds --mllm-url, --mllm-model, --mllm-timeout, --mllm-retries, --mllm-parallel,
// --mllm-image-size, --mllm-parse, --mllm-cache, --mllm-record, --mllm-replay, --prompt-ens,
// --prompt-vsnl, --mllm-max-tokens, --mllm-header, --mllm-seed and (with_sync) --mllm-sync.
void add_mllm_options(CLI::App& cmd, MllmCliOptions& o, bool with_sync = true);

// The library options; throws ants::Error(invalid_argument) for a malformed --mllm-header.
MllmOptions to_mllm_options(const MllmCliOptions& o, bool sync);

// The client with the given scheduling (detect passes o.sync, eval true), or nullptr when neither
// --mllm-url nor --mllm-replay was given. Its answer cache is `cache_dir`/mllm-answers.sqlite
// when the command has a --cache-dir and --mllm-cache is not given. Throws ants::Error for bad
// options.
// With `reference` (--reference) the answers are parsed as the reference does (--mllm-parse
// reference); an explicit --mllm-parse lenient then is an Error(invalid_argument).
std::unique_ptr<MllmClient> make_mllm(const MllmCliOptions& o, bool sync, const std::string& cache_dir = "",
                                      bool reference = false);

// One line on stderr: calls, requests, retries, cache and replay hits, failures with the last
// error, and whether the circuit is open.
void print_mllm_summary(const MllmClient& client);

}  // namespace ants::cli
