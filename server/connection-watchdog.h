// Cuts connections whose request head does not arrive within the request deadline (slowloris):
// cpp-httplib's read timeout applies per read, so a client dripping a byte now and then would
// hold a worker forever. The server's task queue registers each accepted socket (found in
// /proc/self/fd by its local port and a socket cookie not seen before, as httplib does not hand
// the socket out) and holds a duplicate of it until httplib's worker is done with the
// connection, so a cut never reaches another connection that reused the number; routing marks a
// connection busy once its head is in (the body has its own deadline, checked as it arrives),
// and the log hook marks it idle again after the answer. A thread shuts down connections past
// their deadline: an idle one `limit` after its last answer (or its accept), a busy one `limit` +
// a grace after its head arrived (by then its handler has answered, with 504 at the latest), so
// a body that httplib reads by itself (routes without a content reader, or one it skips for
// being too large) cannot be dripped forever either.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace ants::server {

class ConnectionWatchdog {
 public:
  explicit ConnectionWatchdog(std::chrono::seconds limit);
  ~ConnectionWatchdog();
  ConnectionWatchdog(const ConnectionWatchdog&) = delete;
  ConnectionWatchdog& operator=(const ConnectionWatchdog&) = delete;

  void set_port(int port) { port_ = port; }
  // On the listener thread, right after an accept: registers the new connection and returns its
  // id (0 when it could not be found), which closed() takes once its worker is done with it.
  uint64_t accepted();
  void closed(uint64_t id);
  void busy(const std::string& addr, int port);  // the head of a request arrived
  void idle(const std::string& addr, int port);  // its answer was written: the next head's clock starts
  // After an answer sent before the request's body was read: no more requests are taken from
  // this connection (the rest of the body must not be parsed as one), and it is closed for writing
  // so the client sees the answer and then the end.
  void finish(const std::string& addr, int port);
  bool finished(const std::string& addr, int port) const;
  void cut_idle();  // shutdown: connections waiting for a request (busy ones finish their answer)
  size_t cut() const;                            // connections cut so far

  // The httplib task queue that tells the watchdog about each accepted connection.
  httplib::TaskQueue* task_queue(size_t workers);

 private:
  using Peer = std::pair<std::string, int>;
  struct Conn {
    Peer peer;
    int fd;           // the watchdog's own duplicate (-1 if none could be made): a cut acts on it
    int accepted_fd;  // httplib's, only to tell when an orphan was closed (by its cookie)
    uint64_t accept;  // accept order: the newest connection of a peer wins
    std::chrono::steady_clock::time_point deadline;
    bool busy = false, finished = false, cut = false;
    bool orphan = false;  // registered without its task: reaped by the loop once closed
  };
  void loop();
  std::chrono::seconds limit_;
  int port_ = -1;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  size_t cut_ = 0;
  std::map<uint64_t, Conn> conns_;  // by socket cookie (unique while the system runs)
  uint64_t accepts_ = 0;
  std::thread thread_;
};

}  // namespace ants::server
