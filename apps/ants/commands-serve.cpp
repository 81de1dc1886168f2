// serve: the detector as a long-running HTTP service (server/). The port is bound first, so
// /health answers 503 while the model and the banks load; SIGTERM/SIGINT stop it gracefully.
#include <ants/pipeline.h>

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <atomic>
#include <chrono>
#include <thread>

#include "cli-common.h"
#include "commands.h"
#include "http-api.h"
#include "mllm-options.h"
#include "scoring-options.h"
#include "service.h"

namespace ants::cli {

namespace {

struct ServeArgs {
  ScoringCliOptions scoring;
  MllmCliOptions mllm;
  std::string host = "127.0.0.1", state_dir, api_key_file;
  int port = 8080, state_every = 10, max_wait_ms = 50, gather_ms = 5, max_body_mb = 64, request_timeout = 60, workers = 64;
  size_t max_queue = 4096, max_images = 256, max_streams = 64;
  std::vector<std::string> streams;
};

std::string read_api_key(const std::string& file) {
  std::string key;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) throw Error(ErrorCode::invalid_argument, file + ": cannot read the API key file");
    std::getline(in, key);
  } else if (const char* env = std::getenv("ANTS_API_KEY")) {
    key = env;
  }
  while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
  if (!file.empty() && key.empty()) throw Error(ErrorCode::invalid_argument, file + ": the API key file is empty");
  return key;
}

// The negative bank every stream shares, built once (NegLabel selection or --negatives), for the
// methods that take one; the others build theirs per stream.
void share_negative_bank(ScorerOptions& so, const ClipModel& model, const std::vector<std::string>& classes, bool quiet) {
  if (so.method != Method::ants && so.method != Method::neglabel && so.method != Method::adaneg) return;
  LazyProgress progress("negative bank: embedded texts", "texts", quiet);
  std::vector<std::string> warnings;
  if (!so.negatives_file.empty()) {
    so.negatives_bank = read_negatives_file(model, so.negatives_file, so.neglabel.cache, progress.callback(), &warnings,
                                            so.neglabel.text_batch)
                            .features;
    so.negatives_file.clear();
  } else {
    NegLabelBank bank = select_neglabel_bank(model, classes, so.neglabel, progress.callback());
    warnings = bank.warnings;
    so.negatives_bank = std::move(bank.bank.features);
  }
  progress.finish();
  print_warnings(warnings, quiet);
}

struct Loaded {
  std::unique_ptr<ClipModel> model;
  std::vector<std::string> classes;
  std::unique_ptr<server::Service> service;
};

Loaded load(ServeArgs& a) {
  Loaded l;
  ScorerOptions so = to_scorer_options(a.scoring);
  l.model = load_model(a.scoring.model);
  l.classes = load_class_names(a.scoring.bank, a.scoring.quiet);
  share_negative_bank(so, *l.model, l.classes, a.scoring.quiet);
  make_mllm(a.mllm, a.mllm.sync, a.scoring.bank.cache_dir, a.scoring.model.reference);  // options checked once, up front
  server::ServiceOptions o;
  o.batch = a.scoring.batch;
  o.embed = to_embed_options(a.scoring, *l.model);
  o.max_wait = std::chrono::milliseconds(a.max_wait_ms);
  o.gather = std::chrono::milliseconds(a.gather_ms);
  o.max_queue = a.max_queue;
  o.max_streams = a.max_streams;
  o.state_dir = a.state_dir;
  o.state_every = a.state_every;
  auto factory = [&a, so, classes = l.classes](const TextModel& text) {
    server::StreamParts p;
    p.mllm = make_mllm(a.mllm, a.mllm.sync, a.scoring.bank.cache_dir, a.scoring.model.reference);
    p.scorer = std::make_unique<OodScorer>(text, classes, so, p.mllm.get());
    return p;
  };
  factory(*l.model);  // a stream's scorer, built once now: its configuration errors are start-up errors (exit 2)
  l.service = std::make_unique<server::Service>(*l.model, factory, o);
  l.service->restore_all();
  for (const auto& s : a.streams) l.service->create(s);
  return l;
}

int run_serve(ServeArgs& a) {
  // Signals are taken by sigwait on this thread; every thread started from here inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // Each connection holds two descriptors (httplib's and the watchdog's): take the hard limit.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }

  if (a.max_images > a.max_queue)
    throw Error(ErrorCode::invalid_argument, "--max-images " + std::to_string(a.max_images) + " is over --max-queue " +
                                                 std::to_string(a.max_queue) + ": such a request could never be queued");
  server::HttpOptions h;
  h.host = a.host;
  h.port = a.port;
  h.api_key = configure([&] { return read_api_key(a.api_key_file); });
  h.max_body_bytes = static_cast<size_t>(a.max_body_mb) << 20;
  h.max_images = a.max_images;
  h.request_timeout = std::chrono::seconds(a.request_timeout);
  h.workers = a.workers;
  h.log = !a.scoring.quiet;
  server::HttpApi api(h);
  const int port = configure([&] { return api.bind(); });
  std::cerr << "ants: serve: listening on http://" << a.host << ":" << port << (h.api_key.empty() ? "" : " (API key required)")
            << "\n";
  Loaded l;  // declared before the guard below, so destroyed after it
  std::atomic<bool> listener_done{false};
  std::thread listener([&] {
    api.listen();
    listener_done = true;
  });
  // However this function ends, the listener is stopped and joined before the service it serves
  // is destroyed. httplib's stop() does nothing before its loop runs, so wait for that first.
  struct StopListener {
    server::HttpApi& api;
    std::thread& thread;
    std::atomic<bool>& done;
    ~StopListener() {
      for (int i = 0; i < 1000 && !api.running() && !done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      api.stop();
      api.cut_idle_connections();
      if (thread.joinable()) thread.join();
    }
  } stop_listener{api, listener, listener_done};
  l = configure([&] { return load(a); });
  api.attach(*l.service, l.classes);
  std::cerr << "ants: serve: ready (" << l.classes.size() << " classes)\n";
  int sig = 0;
  sigwait(&signals, &sig);
  std::cerr << "ants: serve: " << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << ": finishing queued work\n";
  api.stop();  // no new connections; the open ones finish their requests
  const std::vector<std::string> failed = l.service->shutdown();  // new images refused, queued ones scored and answered
  for (const auto& f : failed) std::cerr << "ants: serve: error: could not save stream " << f << "\n";
  api.cut_idle_connections();  // idle keep-alive connections and slow clients: nothing more to answer
  listener.join();
  std::cerr << "ants: serve: stopped" << (a.state_dir.empty() ? "" : "; streams saved in " + a.state_dir) << std::endl;
  // Every answer is sent and every stream saved. Destroying the MLLM clients would wait for
  // requests still in flight (up to --mllm-timeout, answers nobody can use any more), so the
  // process ends here, within the shutdown bound.
  std::_Exit(failed.empty() ? 0 : kExitFailure);
}

}  // namespace

void add_serve_commands(CLI::App& app, int& rc) {
  auto* cmd = app.add_subcommand("serve", "serve OOD detection over HTTP: named streams, each its own adaptive state");
  auto a = std::make_shared<ServeArgs>();
  add_scoring_options(*cmd, a->scoring, "clip");
  add_mllm_options(*cmd, a->mllm, true);
  cmd->add_option("--host", a->host, "address to listen on (default: 127.0.0.1)");
  cmd->add_option("--port", a->port, "port (default: 8080; 0: any free port, printed on stderr)")->check(CLI::Range(0, 65535));
  cmd->add_option("--state-dir", a->state_dir, "save each stream as DIR/NAME.state every K batches and on exit; "
                                               "restore them on start");
  cmd->add_option("--state-every", a->state_every, "K: batches between a stream's saves (default: 10)")->check(CLI::PositiveNumber);
  cmd->add_option("--api-key-file", a->api_key_file, "require `Authorization: Bearer KEY` (KEY: the file's first line; "
                                                     "default: $ANTS_API_KEY when set)");
  cmd->add_option("--max-wait-ms", a->max_wait_ms, "close a partial detector batch this long after its stream's last "
                                                   "image (default: 50)")->check(CLI::Range(0, 600000));
  cmd->add_option("--gather-ms", a->gather_ms, "a CLIP pass with fewer than --infer-batch images waits this long "
                                               "for more (default: 5; 0: never)")->check(CLI::Range(0, 60000));
  cmd->add_option("--max-queue", a->max_queue, "images waiting for CLIP, all streams (default: 4096); beyond: 503")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-body-mb", a->max_body_mb, "largest request body in MiB (default: 64); beyond: 413")
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--max-images", a->max_images, "images (or texts) per request (default: 256); beyond: 413")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--request-timeout", a->request_timeout, "seconds a request may take, body and scoring (default: 60)")
      ->check(CLI::Range(1, 3600));
  cmd->add_option("--max-streams", a->max_streams, "streams at once (default: 64); a request for another gets 429")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--workers", a->workers, "connections served at once (default: 64)")->check(CLI::Range(4, 1024));
  cmd->add_option("--stream", a->streams, "create stream NAME at start (repeatable; others are created on first use)");
  cmd->callback([a, &rc] { rc = run_serve(*a); });
}

}  // namespace ants::cli
