#include "connection-watchdog.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

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

uint64_t cookie_of(int fd) {
  uint64_t cookie = 0;
  socklen_t n = sizeof cookie;
  return getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &n) == 0 ? cookie : 0;
}

// Tells the watchdog of each connection, and that its worker is done with it (httplib's task
// closes the socket before it returns; the watchdog's duplicate goes right after).
class WatchedPool : public httplib::TaskQueue {
 public:
  WatchedPool(ConnectionWatchdog& w, size_t workers) : watchdog_(w), pool_(workers) {}
  void enqueue(std::function<void()> fn) override {
    const uint64_t id = watchdog_.accepted();
    pool_.enqueue([this, id, fn = std::move(fn)] {
      fn();
      watchdog_.closed(id);
    });
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
    for (const auto& [id, c] : conns_)
      if (c.fd >= 0) close(c.fd);
    conns_.clear();
  }
  cv_.notify_all();
  thread_.join();
}

httplib::TaskQueue* ConnectionWatchdog::task_queue(size_t workers) { return new WatchedPool(*this, workers); }

// The socket of this server's port with a cookie not registered yet: the listener thread calls
// this after each accept, before the connection's task is queued, so normally there is exactly
// one. The lock is held across the scan: a closed() in between would make a registered socket
// look new. More than one appear only after a registration failed (no /proc, no fd left): all
// are then watched as orphans, which no task will report closed, so the loop reaps them.
uint64_t ConnectionWatchdog::accepted() {
  std::lock_guard lock(mu_);
  std::vector<std::tuple<uint64_t, Peer, int>> fresh;
  std::error_code ec;
  // increment(ec): this runs on httplib's listener thread, where an exception would end the process.
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) {
    const int fd = std::atoi(it->path().filename().c_str());
    if (auto peer = peer_of(fd, port_))
      if (const uint64_t cookie = cookie_of(fd); cookie != 0 && !conns_.contains(cookie)) fresh.emplace_back(cookie, *peer, fd);
  }
  uint64_t id = 0;
  for (const auto& [cookie, peer, fd] : fresh) {
    Conn c{peer, fcntl(fd, F_DUPFD_CLOEXEC, 0), fd, ++accepts_, Clock::now() + limit_};
    c.orphan = fresh.size() != 1;
    if (!c.orphan) id = cookie;
    conns_.emplace(cookie, c);
  }
  return id;
}

void ConnectionWatchdog::closed(uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  if (it->second.fd >= 0) close(it->second.fd);
  conns_.erase(it);
}

namespace {
// The newest connection of that peer that was not cut (a peer may reconnect from the same port
// while the worker of its old connection has not closed it yet).
template <typename Conns>
auto* newest(Conns& conns, const std::string& addr, int port) {
  decltype(&conns.begin()->second) found = nullptr;
  for (auto& [id, c] : conns)
    if (!c.cut && c.peer.first == addr && c.peer.second == port && (found == nullptr || c.accept > found->accept)) found = &c;
  return found;
}
}  // namespace

void ConnectionWatchdog::busy(const std::string& addr, int port) {
  std::lock_guard lock(mu_);
  if (Conn* c = newest(conns_, addr, port)) {
    c->busy = true;
    c->deadline = Clock::now() + limit_ + std::chrono::seconds(5);
  }
}

void ConnectionWatchdog::finish(const std::string& addr, int port) {
  std::lock_guard lock(mu_);
  if (Conn* c = newest(conns_, addr, port)) {
    c->finished = true;
    if (c->fd >= 0) shutdown(c->fd, SHUT_WR);
  }
}

bool ConnectionWatchdog::finished(const std::string& addr, int port) const {
  std::lock_guard lock(mu_);
  const auto* c = newest(conns_, addr, port);
  return c != nullptr && c->finished;
}

void ConnectionWatchdog::idle(const std::string& addr, int port) {
  std::lock_guard lock(mu_);
  if (Conn* c = newest(conns_, addr, port)) {
    c->busy = false;
    // httplib itself closes a keep-alive connection idle for 5 s; the watchdog is for slow heads.
    c->deadline = Clock::now() + std::max<std::chrono::seconds>(limit_, std::chrono::seconds(6));
  }
}

// Cut connections stay registered until their worker closes them, but are never cut again.
void ConnectionWatchdog::cut_idle() {
  std::lock_guard lock(mu_);
  for (auto& [id, c] : conns_) {
    if (c.busy || c.cut) continue;  // a busy one's answer is being written: its deadline still applies
    if (c.fd >= 0) shutdown(c.fd, SHUT_RDWR);
    c.cut = true;
  }
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
      Conn& c = it->second;
      if (c.orphan && cookie_of(c.accepted_fd) != it->first) {  // its worker closed it
        if (c.fd >= 0) close(c.fd);
        it = conns_.erase(it);
        continue;
      }
      if (!c.cut && now >= c.deadline) {
        if (c.fd >= 0) shutdown(c.fd, SHUT_RDWR);  // the worker's read fails and it closes the connection
        c.cut = true;
        ++cut_;
      }
      ++it;
    }
  }
}

}  // namespace ants::server
