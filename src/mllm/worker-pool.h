// A fixed set of threads running queued jobs in order. Each job gets the index of its worker (for
// per-thread state such as an HTTP connection). Jobs must not throw and must end on their own
// (the MLLM jobs are bounded by their timeouts); stop() drops what is still queued.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ants::mllm {

class WorkerPool {
 public:
  using Job = std::function<void(int worker)>;
  explicit WorkerPool(int n_threads);
  ~WorkerPool();  // stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void submit(Job job);
  // Until nothing is queued or running.
  void wait_idle();
  // Queued jobs are dropped (each is called with worker -1 so it can report itself cancelled),
  // running ones finish, threads are joined.
  void stop();
  int size() const { return static_cast<int>(threads_.size()); }

 private:
  void run(int worker);

  std::mutex mu_;
  std::condition_variable work_cv_, idle_cv_;
  std::deque<Job> queue_;
  int running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace ants::mllm
