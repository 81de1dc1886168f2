// ants/mllm-client.h — the multimodal-LLM client: any OpenAI-compatible chat-completions server
// (llama.cpp's llama-server with --mmproj, vLLM, SGLang, Ollama, LM Studio, a hosted API) behind
// the detector's ants::Mllm interface (ants/mllm.h; method.md §5).
//
// Protocol: POST {base}/v1/chat/completions with a system and a user message (images as base64
// JPEG data URLs, downscaled so the longer side is at most image_size), max_tokens, temperature 0
// and an optional seed; the answer is choices[0].message.content. GET {base}/v1/models names the
// model when none is given (the server must then offer exactly one).
//
// complete() asks text-only prompts (no system message, no image) and returns the raw text; it
// is always synchronous, with its own kind ("envision": EOE envisions outlier class names with
// it) in the cache and the record/replay file.
//
// Every answer goes through, in order: the record/replay file (replay_path, matched by key), the
// SQLite answer cache (cache_path), the server. The key hashes the model name, the system text,
// the full prompt after substitution, the template's hash, the decoding settings, the image size
// setting and the image's content hash (or the class name). Raw answers are stored; parsing
// (MllmParse) happens after, so changing the parser never needs new requests.
//
// Failure: requests run on `parallel` worker threads with a per-attempt timeout, `retries` retries
// with exponential backoff on connection errors, timeouts, 429 and 5xx, and a circuit breaker
// (after breaker_failures calls in a row fail, calls fail at once for breaker_cooldown_s). A
// failed call is "no answer" (std::nullopt), counted in MllmStats; describe()/similar()/poll()
// never throw. Only make_mllm_client() and models() throw ants::Error.
//
// Scheduling: sync (describe/similar return when every answer is in, or failed) or async
// (they return at once with what the cache or replay file already holds; the rest is answered on
// the worker threads and handed to the detector by poll() at its next batch).
//
// Threading: one client may be called from one thread at a time (the detector's); its workers
// are internal. The API key comes from the environment (ANTS_MLLM_API_KEY) and is never logged.
#pragma once

#include <ants/export.h>
#include <ants/mllm.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ants {

struct MllmOptions {
  std::string url;                  // base URL, e.g. http://127.0.0.1:8080 (a trailing /v1 is accepted)
  std::string model;                // empty: the only model GET /v1/models lists (or the replay file's)
  double timeout_s = 60;            // per attempt: connect, send, and the whole answer
  int retries = 3;                  // extra attempts after a retryable failure
  int parallel = 4;                 // concurrent requests
  int image_size = 448;             // longer side of uploaded images (the reference's Qwen used 56)
  int jpeg_quality = 90;
  MllmParse parse = MllmParse::lenient;
  bool sync = true;                 // false: async scheduling (see above)
  std::optional<std::filesystem::path> cache_path;  // nullopt: default_cache_dir()/mllm-answers.sqlite
  bool cache = true;                // false: no SQLite cache at all
  std::filesystem::path record_path;  // append one JSONL line per answer (empty: off)
  std::filesystem::path replay_path;  // answers by key from a recorded file (empty: off)
  // Templates: empty or "default" = built-in; "short" (ENS) and "dissimilar" (VSNL) = the built-in
  // variants of the paper's Fig. 7e (data/prompts/README.md); else a file. "{class}" = the
  // predicted class (ENS) or the class (VSNL).
  std::filesystem::path prompt_ens;
  std::filesystem::path prompt_vsnl;
  int max_tokens_ens = 30;
  int max_tokens_vsnl = 100;
  int max_tokens_text = 1024;       // complete(): text-only prompts (EOE asks for 50 names at a time)
  std::optional<int64_t> seed;      // sent as "seed" when set
  std::vector<std::pair<std::string, std::string>> headers;  // extra HTTP headers
  std::string api_key;              // Bearer token; make_mllm_client reads ANTS_MLLM_API_KEY when empty
  bool vsnl_placeholder_image = true;  // method.md §5.2: a black 28x28 image with the VSNL prompt
  int breaker_failures = 5;         // calls failed in a row that open the circuit
  double breaker_cooldown_s = 30;   // how long an open circuit refuses calls
  double backoff_s = 0.5;           // first retry delay; doubles per retry, at most 8 s
  size_t max_response_bytes = 4u << 20;  // larger answers are failures
};

// Counters of one client since it was made.
struct MllmStats {
  int64_t calls = 0;          // describe items + similar classes asked for
  int64_t requests = 0;       // HTTP attempts, retries included
  int64_t retries = 0;
  int64_t failures = 0;       // calls without a usable answer
  int64_t cache_hits = 0;     // answered from the SQLite cache
  int64_t replay_hits = 0;    // answered from the replay file
  int64_t late_answers = 0;   // async answers handed over by poll()
  int breaker_trips = 0;      // times the circuit opened
  bool degraded = false;      // the circuit is open now: calls fail at once
  std::string last_error;     // one line, never contains the API key
};

// One describe/similar item with the reason when there is no answer.
struct MllmReply {
  std::optional<std::string> text;                // describe: the cleaned description
  std::optional<std::vector<std::string>> labels;  // similar: the parsed labels
  std::string raw;                                // the server's text as received (may be empty)
  std::string error;                              // why there is no answer
};

// describe(), similar() and poll() follow the scheduling of MllmOptions::sync.
class ANTS_API MllmClient : public Mllm {
 public:
  bool supports_similar() const override { return true; }

  // Always synchronous, with the error of each failed item (the CLI's describe / similar).
  // `predicted_classes` may be empty (no class named in the prompt).
  virtual std::vector<MllmReply> describe_detailed(const std::vector<ImageRef>& images,
                                                   const std::vector<std::string>& predicted_classes) = 0;
  virtual std::vector<MllmReply> similar_detailed(const std::vector<std::string>& classes) = 0;
  // GET /v1/models: the model ids the server offers. Throws ants::Error naming the URL.
  virtual std::vector<std::string> models() = 0;
  virtual MllmStats stats() const = 0;
  virtual bool sync() const = 0;  // MllmOptions::sync
  // The prompt in use for "ens" or "vsnl": "default", a built-in variant ("short", "dissimilar"),
  // or "file PATH HASH12" (the first 12 hex digits of the template's content hash).
  virtual std::string prompt_origin(const std::string& kind) const = 0;
  // Waits (bounded by the workers' own timeouts) until no request is in flight.
  virtual void drain() = 0;
};

// Reads ANTS_MLLM_API_KEY when options.api_key is empty. Throws ants::Error(invalid_argument)
// for bad options (no URL and no replay file, malformed URL, unreadable prompt or replay file,
// a template without the "{class}" VSNL needs) and Error(io) for a cache file that cannot be
// opened. Contacts no server.
ANTS_API std::unique_ptr<MllmClient> make_mllm_client(const MllmOptions& options);

// The built-in prompt templates (data/prompts/*.txt), for --help and documentation.
ANTS_API std::string builtin_prompt(const std::string& name);  // "system", "ens" or "vsnl"

}  // namespace ants
