#include "mllm/circuit-breaker.h"

#include <algorithm>
#include <utility>

namespace ants::mllm {

CircuitBreaker::CircuitBreaker(int threshold, double cooldown_s, Now now)
    : now_(std::move(now)),
      threshold_(std::max(1, threshold)),
      cooldown_(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(std::max(0.0, cooldown_s)))) {}

bool CircuitBreaker::allow() {
  std::lock_guard lock(mu_);
  if (!opened_) return true;
  if (now_() < open_until_ || trial_running_) return false;
  trial_running_ = true;
  return true;
}

void CircuitBreaker::record_success() {
  std::lock_guard lock(mu_);
  failures_in_row_ = 0;
  opened_ = trial_running_ = false;
}

void CircuitBreaker::record_failure() {
  std::lock_guard lock(mu_);
  ++failures_in_row_;
  if (trial_running_ || (!opened_ && failures_in_row_ >= threshold_)) {
    if (!opened_) ++trips_;
    opened_ = true;
    trial_running_ = false;
    open_until_ = now_() + cooldown_;
  }
}

bool CircuitBreaker::open() const {
  std::lock_guard lock(mu_);
  return opened_ && (now_() < open_until_ || trial_running_);
}

int CircuitBreaker::trips() const {
  std::lock_guard lock(mu_);
  return trips_;
}

}  // namespace ants::mllm
