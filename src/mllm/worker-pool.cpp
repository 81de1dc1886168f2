#include "mllm/worker-pool.h"

#include <algorithm>

namespace ants::mllm {

WorkerPool::WorkerPool(int n_threads) {
  const int n = std::max(1, n_threads);
  for (int i = 0; i < n; ++i) threads_.emplace_back([this, i] { run(i); });
}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::submit(Job job) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(job));
      work_cv_.notify_one();
      return;
    }
  }
  job(-1);
}

void WorkerPool::wait_idle() {
  std::unique_lock lock(mu_);
  idle_cv_.wait(lock, [this] { return queue_.empty() && running_ == 0; });
}

void WorkerPool::stop() {
  std::deque<Job> dropped;
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    dropped.swap(queue_);
    work_cv_.notify_all();
  }
  for (auto& job : dropped) job(-1);
  for (auto& t : threads_) t.join();
  threads_.clear();
  idle_cv_.notify_all();
}

void WorkerPool::run(int worker) {
  std::unique_lock lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping
    Job job = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    lock.unlock();
    job(worker);
    lock.lock();
    --running_;
    if (queue_.empty() && running_ == 0) idle_cv_.notify_all();
  }
}

}  // namespace ants::mllm
