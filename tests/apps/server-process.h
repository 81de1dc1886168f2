// `ants serve` as a child process on 127.0.0.1 and a port of its own choosing (--port 0, read
// back from its stderr), for the serve tests: started, waited for, signalled, reaped.
#pragma once

#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/file-util.h"
#include "test-paths.h"

namespace ants::test {

class ServerProcess {
 public:
  // Starts `ants serve --port 0 ARGS...` with stderr in `log`; waits (≤ 60 s) until it listens.
  ServerProcess(const std::vector<std::string>& args, const std::filesystem::path& log) : log_(log) {
    std::vector<std::string> argv{cli_path(), "serve", "--port", "0"};
    argv.insert(argv.end(), args.begin(), args.end());
    // Everything the child needs is made before fork(): the test process has threads (fake
    // servers), and the child may only call async-signal-safe functions until it execs.
    std::vector<std::string> env{"ANTS_CACHE_DIR=" + (log.parent_path() / "env-cache").string()};
    for (char** e = environ; *e != nullptr; ++e)
      if (std::string(*e).rfind("ANTS_CACHE_DIR=", 0) != 0) env.emplace_back(*e);
    std::vector<char*> c_argv, c_env;
    for (auto& a : argv) c_argv.push_back(a.data());
    c_argv.push_back(nullptr);
    for (auto& e : env) c_env.push_back(e.data());
    c_env.push_back(nullptr);
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fd, 2);  // the duplicate does not inherit O_CLOEXEC
      execve(c_argv[0], c_argv.data(), c_env.data());
      _exit(127);
    }
    ::close(fd);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (port_ < 0 && std::chrono::steady_clock::now() < deadline && running()) {
      const std::string err = log_text();
      const std::string mark = "listening on http://127.0.0.1:";
      const size_t at = err.find(mark);
      if (at != std::string::npos && err.find('\n', at) != std::string::npos) port_ = std::stoi(err.substr(at + mark.size()));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~ServerProcess() {
    if (pid_ > 0 && exit_code_ == kRunning) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int port() const { return port_; }
  httplib::Client client(int timeout_s = 60) const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(timeout_s, 0);
    c.set_connection_timeout(5, 0);
    return c;
  }
  // Waits (≤ 60 s) until /health answers 200: the model and banks are loaded.
  bool wait_ready() const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline && port_ > 0) {
      auto r = client(5).Get("/health");
      if (r && r->status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  // Sends `sig` and waits (≤ `timeout`) for the exit; the exit code, or -1 (killed by a signal
  // or still running after the timeout).
  int stop(int sig = SIGTERM, std::chrono::seconds timeout = std::chrono::seconds(30)) {
    if (exit_code_ != kRunning) return exit_code_;
    kill(pid_, sig);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (reap()) return exit_code_;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }
  // Waits (≤ 60 s) for an exit of its own (e.g. a refused state directory).
  int wait_exit() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline && !reap()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return exit_code_;
  }
  std::string log_text() const {
    std::error_code ec;
    return std::filesystem::exists(log_, ec) ? core::read_file(log_) : std::string();
  }

 private:
  static constexpr int kRunning = -1000;
  bool running() {
    return !reap();
  }
  bool reap() {
    if (exit_code_ != kRunning) return true;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return true;
  }
  std::filesystem::path log_;
  pid_t pid_ = -1;
  int port_ = -1;
  int exit_code_ = kRunning;
};

}  // namespace ants::test
