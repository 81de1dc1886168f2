#include "mllm/answer-cache.h"

#include <sqlite3.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "core/error.h"

namespace ants::mllm {

namespace {
constexpr int kBusyTimeoutMs = 5000;
}  // namespace

struct AnswerCache::Impl {
  std::filesystem::path path;
  sqlite3* db = nullptr;
  sqlite3_stmt* select = nullptr;
  sqlite3_stmt* insert = nullptr;
  mutable std::mutex mu;
  std::string error;

  ~Impl() {
    sqlite3_finalize(select);
    sqlite3_finalize(insert);
    sqlite3_close(db);
  }

  void check(int rc, const char* what) {
    if (rc == SQLITE_OK) return;
    const std::string msg = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    core::fail(ErrorCode::io, path.string(), msg);
  }

  void open() {
    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    check(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr),
          "cannot open the MLLM answer cache");
    check(sqlite3_busy_timeout(db, kBusyTimeoutMs), "busy timeout");
    check(set_up(), "cannot set up the MLLM answer cache");
    check(sqlite3_prepare_v2(db, "SELECT answer FROM answers WHERE key = ?1", -1, &select, nullptr), "prepare");
    check(sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO answers VALUES (?1, ?2, ?3, ?4, ?5)", -1, &insert, nullptr),
          "prepare");
  }

  // Switching to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at once, without
  // its busy handler, when two processes set the same new file up together (two evals sharing a
  // cache directory): retry for as long as the busy timeout.
  int set_up() {
    constexpr const char* kSchema =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        "CREATE TABLE IF NOT EXISTS answers(key TEXT PRIMARY KEY, kind TEXT NOT NULL, model TEXT NOT NULL,"
        " answer TEXT NOT NULL, created INTEGER NOT NULL);";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
    for (;;) {
      const int rc = sqlite3_exec(db, kSchema, nullptr, nullptr, nullptr);
      if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || std::chrono::steady_clock::now() >= deadline) return rc;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  void note(const char* what) { error = path.string() + ": " + what + ": " + sqlite3_errmsg(db); }
};

AnswerCache::AnswerCache(const std::filesystem::path& path) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  impl_->open();
}

AnswerCache::~AnswerCache() = default;

std::optional<std::string> AnswerCache::get(std::string_view key) {
  std::lock_guard lock(impl_->mu);
  sqlite3_stmt* s = impl_->select;
  sqlite3_reset(s);
  sqlite3_bind_text(s, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  const int rc = sqlite3_step(s);
  std::optional<std::string> out;
  if (rc == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    out = std::string(text ? text : "", static_cast<size_t>(sqlite3_column_bytes(s, 0)));
  } else if (rc != SQLITE_DONE) {
    impl_->note("read failed");
  }
  sqlite3_reset(s);
  return out;
}

void AnswerCache::put(std::string_view key, std::string_view kind, std::string_view model, std::string_view answer) {
  std::lock_guard lock(impl_->mu);
  sqlite3_stmt* s = impl_->insert;
  sqlite3_reset(s);
  sqlite3_bind_text(s, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(s, 2, kind.data(), static_cast<int>(kind.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(s, 3, model.data(), static_cast<int>(model.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(s, 4, answer.data(), static_cast<int>(answer.size()), SQLITE_TRANSIENT);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  sqlite3_bind_int64(s, 5, now.count());
  if (sqlite3_step(s) != SQLITE_DONE) impl_->note("write failed");
  sqlite3_reset(s);
}

std::string AnswerCache::last_error() const {
  std::lock_guard lock(impl_->mu);
  return impl_->error;
}

const std::filesystem::path& AnswerCache::path() const { return impl_->path; }

}  // namespace ants::mllm
