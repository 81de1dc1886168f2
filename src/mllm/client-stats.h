// The MLLM client's counters, updated from the worker threads.
#pragma once

#include <ants/mllm-client.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

namespace ants::mllm {

class ClientStats {
 public:
  std::atomic<int64_t> calls{0}, requests{0}, retries{0}, failures{0}, cache_hits{0}, replay_hits{0}, late_answers{0};

  void fail(const std::string& error) {
    ++failures;
    std::lock_guard lock(mu_);
    last_error_ = error;
  }
  MllmStats snapshot(int breaker_trips, bool degraded) const {
    MllmStats s;
    s.calls = calls, s.requests = requests, s.retries = retries, s.failures = failures;
    s.cache_hits = cache_hits, s.replay_hits = replay_hits, s.late_answers = late_answers;
    s.breaker_trips = breaker_trips;
    s.degraded = degraded;
    std::lock_guard lock(mu_);
    s.last_error = last_error_;
    return s;
  }

 private:
  mutable std::mutex mu_;
  std::string last_error_;
};

}  // namespace ants::mllm
