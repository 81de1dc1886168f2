#include "connection-watchdog.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <vector>

namespace ants::server {

namespace {

using Clock = std::chrono::steady_clock;

int port_of(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
  return -1;
}

// The peer of a connected TCP socket of this server (as httplib names it: numeric host, port).
std::optional<std::pair<std::string, int>> peer_of(int fd, int server_port) {
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return std::nullopt;
  sockaddr_storage local{}, remote{};
  socklen_t n = sizeof local;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &n) != 0 || port_of(local) != server_port) return std::nullopt;
  n = sizeof remote;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&remote), &n) != 0) return std::nullopt;
  char host[NI_MAXHOST];
  if (getnameinfo(reinterpret_cast<sockaddr*>(&remote), n, host, sizeof host, nullptr, 0, NI_NUMERICHOST) != 0)
    return std::nullopt;
  return std::make_pair(std::string(host), port_of(remote));
}

class WatchedPool : public httplib::TaskQueue {
 public:
  WatchedPool(ConnectionWatchdog& w, size_t workers) : watchdog_(w), pool_(workers) {}
  void enqueue(std::function<void()> fn) override {
    watchdog_.accepted();
    pool_.enqueue(std::move(fn));
  }
  void shutdown() override { pool_.shutdown(); }

 private:
  ConnectionWatchdog& watchdog_;
  httplib::ThreadPool pool_;
};

}  // namespace

ConnectionWatchdog::ConnectionWatchdog(std::chrono::seconds limit) : limit_(limit), thread_([this] { loop(); }) {}

ConnectionWatchdog::~ConnectionWatchdog() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

httplib::TaskQueue* ConnectionWatchdog::task_queue(size_t workers) { return new WatchedPool(*this, workers); }

void ConnectionWatchdog::accepted() {
  std::error_code ec;
  std::vector<std::pair<Peer, int>> found;
  // increment(ec): this runs on httplib's listener thread, where an exception would end the process.
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) {
    const int fd = std::atoi(it->path().filename().c_str());
    if (auto peer = peer_of(fd, port_)) found.emplace_back(*peer, fd);
  }
  std::lock_guard lock(mu_);
  for (const auto& [peer, fd] : found) {
    auto it = conns_.find(peer);
    if (it == conns_.end() || it->second.fd != fd) conns_[peer] = {fd, Clock::now() + limit_, false};
  }
}

void ConnectionWatchdog::busy(const std::string& addr, int port) {
  std::lock_guard lock(mu_);
  auto it = conns_.find({addr, port});
  if (it == conns_.end()) return;
  it->second.busy = true;
  it->second.deadline = Clock::now() + limit_ + std::chrono::seconds(5);
}

void ConnectionWatchdog::finish(const std::string& addr, int port) {
  std::lock_guard lock(mu_);
  auto it = conns_.find({addr, port});
  if (it == conns_.end()) return;
  it->second.finished = true;
  shutdown(it->second.fd, SHUT_WR);
}

bool ConnectionWatchdog::finished(const std::string& addr, int port) const {
  std::lock_guard lock(mu_);
  auto it = conns_.find({addr, port});
  return it != conns_.end() && it->second.finished;
}

void ConnectionWatchdog::cut_idle() {
  std::lock_guard lock(mu_);
  for (auto it = conns_.begin(); it != conns_.end();) {
    if (it->second.busy) {  // its answer is being written: its deadline still applies
      ++it;
      continue;
    }
    if (peer_of(it->second.fd, port_) == it->first) shutdown(it->second.fd, SHUT_RDWR);
    it = conns_.erase(it);
  }
}

void ConnectionWatchdog::idle(const std::string& addr, int port) {
  std::lock_guard lock(mu_);
  auto it = conns_.find({addr, port});
  if (it == conns_.end()) return;
  it->second.busy = false;
  // httplib itself closes a keep-alive connection idle for 5 s; the watchdog is for slow heads.
  it->second.deadline = Clock::now() + std::max<std::chrono::seconds>(limit_, std::chrono::seconds(6));
}

size_t ConnectionWatchdog::cut() const {
  std::lock_guard lock(mu_);
  return cut_;
}

void ConnectionWatchdog::loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, std::chrono::milliseconds(250));
    const auto now = Clock::now();
    for (auto it = conns_.begin(); it != conns_.end();) {
      // A closed connection (or its fd reused by another peer) leaves the table.
      const auto peer = peer_of(it->second.fd, port_);
      if (!peer || *peer != it->first) {
        it = conns_.erase(it);
        continue;
      }
      if (now >= it->second.deadline) {
        shutdown(it->second.fd, SHUT_RDWR);  // the worker's read fails and it closes the socket
        ++cut_;
        it = conns_.erase(it);
        continue;
      }
      ++it;
    }
  }
}

}  // namespace ants::server
