// Stops calling a server that keeps failing: after `threshold` failed calls in a row the circuit
// opens and calls are refused for `cooldown_s`; then one trial call goes through (half-open), and
// its outcome closes or reopens the circuit. Thread-safe. Time comes from `now` (steady_clock by
// default; tests pass a fake clock).
#pragma once

#include <chrono>
#include <functional>
#include <mutex>

namespace ants::mllm {

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  using Now = std::function<Clock::time_point()>;
  CircuitBreaker(int threshold, double cooldown_s, Now now = [] { return Clock::now(); });

  // True when a call may go to the server now (false while open, or while a half-open trial runs).
  bool allow();
  void record_success();
  void record_failure();
  bool open() const;   // refusing calls now
  int trips() const;   // times it opened

 private:
  mutable std::mutex mu_;
  Now now_;
  int threshold_;
  Clock::duration cooldown_;
  int failures_in_row_ = 0;
  int trips_ = 0;
  bool opened_ = false;
  bool trial_running_ = false;
  Clock::time_point open_until_{};
};

}  // namespace ants::mllm
