#include "mllm-options.h"

#include <ants/error.h>

#include <cstdio>

namespace ants::cli {

void add_mllm_options(CLI::App& cmd, MllmCliOptions& o, bool with_sync) {
  const std::string group = "MLLM server";
  auto add = [&](const std::string& name, auto& value, const std::string& help) {
    return cmd.add_option(name, value, help)->group(group);
  };
  add("--mllm-url", o.url, "OpenAI-compatible server, e.g. http://127.0.0.1:8080 (API key: env ANTS_MLLM_API_KEY)");
  add("--mllm-model", o.model, "model name sent to the server (default: the only one GET /v1/models lists)");
  add("--mllm-timeout", o.timeout, "seconds per request attempt (default: 60)")->check(CLI::Range(0.001, 86400.0));
  add("--mllm-retries", o.retries, "retries on 429/5xx/connection errors/timeouts, with backoff (default: 3)")
      ->check(CLI::Range(0, 100));
  add("--mllm-parallel", o.parallel, "concurrent requests (default: 4)")->check(CLI::Range(1, 256));
  add("--mllm-image-size", o.image_size, "longer side of uploaded images in pixels (default: 448; the reference used 56)")
      ->check(CLI::Range(8, 8192));
  add("--mllm-parse", o.parse, "lenient (clean real answers, default) or reference (spec 4.5 exactly)")
      ->check(CLI::IsMember({"lenient", "reference"}));
  add("--mllm-cache", o.cache, "SQLite answer cache (default: <cache dir>/mllm-answers.sqlite; 'none': off)");
  add("--mllm-record", o.record, "append every answer to this JSONL file");
  add("--mllm-replay", o.replay, "answer from this recorded JSONL file (no server needed)");
  add("--prompt-ens", o.prompt_ens, "ENS prompt: default, short (fewer than three words) or a template file ({class}: the predicted class)");
  add("--prompt-vsnl", o.prompt_vsnl, "VSNL prompt: default, dissimilar (classes unlike it) or a template file (must contain {class})");
  add("--mllm-max-tokens", o.max_tokens, "max_tokens of every request (default: 30 describe, 100 similar)")
      ->check(CLI::Range(1, 100000));
  add("--mllm-header", o.headers, "extra HTTP header 'Name: value' (repeatable)")->allow_extra_args(false);
  cmd.add_option_function<int64_t>("--mllm-seed", [&o](const int64_t& s) { o.seed = s, o.seed_set = true; },
                                   "seed sent with every request")
      ->group(group);
  if (with_sync)
    cmd.add_flag("--mllm-sync", o.sync, "batches wait for the MLLM's answers (reproducible; default: async)")->group(group);
}

MllmOptions to_mllm_options(const MllmCliOptions& o, bool sync) {
  MllmOptions m;
  m.url = o.url;
  m.model = o.model;
  m.timeout_s = o.timeout;
  m.retries = o.retries;
  m.parallel = o.parallel;
  m.image_size = o.image_size;
  m.parse = o.parse == "reference" ? MllmParse::reference : MllmParse::lenient;
  m.sync = sync;
  if (o.cache == "none") m.cache = false;
  else if (!o.cache.empty()) m.cache_path = o.cache;
  m.record_path = o.record;
  m.replay_path = o.replay;
  m.prompt_ens = o.prompt_ens;
  m.prompt_vsnl = o.prompt_vsnl;
  if (o.max_tokens > 0) m.max_tokens_ens = m.max_tokens_vsnl = o.max_tokens;
  if (o.seed_set) m.seed = o.seed;
  for (const auto& h : o.headers) {
    const size_t colon = h.find(':');
    if (colon == std::string::npos || colon == 0)
      throw Error(ErrorCode::invalid_argument, "--mllm-header '" + h + "': expected 'Name: value'");
    const size_t v = h.find_first_not_of(' ', colon + 1);
    m.headers.emplace_back(h.substr(0, colon), v == std::string::npos ? "" : h.substr(v));
  }
  return m;
}

std::unique_ptr<MllmClient> make_mllm(const MllmCliOptions& o, bool sync, const std::string& cache_dir, bool reference) {
  if (reference && o.parse == "lenient")
    throw Error(ErrorCode::invalid_argument, "--reference: parses MLLM answers as the reference does; --mllm-parse lenient contradicts it");
  if (o.url.empty() && o.replay.empty()) return nullptr;
  MllmOptions m = to_mllm_options(o, sync);
  if (reference) m.parse = MllmParse::reference;
  if (m.cache && !m.cache_path && !cache_dir.empty()) m.cache_path = std::filesystem::path(cache_dir) / "mllm-answers.sqlite";
  return make_mllm_client(m);
}

void print_mllm_summary(const MllmClient& client) {
  const MllmStats s = client.stats();
  std::fprintf(stderr,
               "ants: mllm: %lld calls, %lld requests (%lld retries), %lld cache hits, %lld replay hits, %lld late, "
               "%lld failures%s%s%s\n",
               static_cast<long long>(s.calls), static_cast<long long>(s.requests), static_cast<long long>(s.retries),
               static_cast<long long>(s.cache_hits), static_cast<long long>(s.replay_hits),
               static_cast<long long>(s.late_answers), static_cast<long long>(s.failures),
               s.last_error.empty() ? "" : " (last: ", s.last_error.c_str(), s.last_error.empty() ? "" : ")");
  if (s.degraded || s.breaker_trips > 0)
    std::fprintf(stderr, "ants: mllm: circuit opened %d time(s)%s\n", s.breaker_trips,
                 s.degraded ? "; still open: the server is failing" : "");
}

}  // namespace ants::cli
