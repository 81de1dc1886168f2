#include "mllm/answer-cache.h"

#include <sqlite3.h>
#include <sys/vfs.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>

#include "core/error.h"

namespace ants::mllm {

namespace {
constexpr int kBusyTimeoutMs = 5000;

// statfs f_type magic numbers of network and FUSE filesystems (linux/magic.h and the projects').
struct FsMagic {
  int64_t magic;
  const char* name;
};
constexpr FsMagic kNetworkFilesystems[] = {
    {0x6969, "nfs"},           {0x517B, "smb"},     {0xFF534D42, "cifs"},   {0xFE534D42, "smb2"},
    {0x0BD00BD0, "lustre"},    {0x47504653, "gpfs"}, {0x19830326, "beegfs"}, {0x00C36400, "ceph"},
    {0x5346414F, "afs"},       {0x01021997, "9p"},   {0x65735546, "fuse"},
};

// The directory holding `path` (or the nearest one that exists).
std::filesystem::path existing_dir(const std::filesystem::path& path) {
  std::filesystem::path dir = std::filesystem::absolute(path).parent_path();
  std::error_code ec;
  while (!dir.empty() && !std::filesystem::exists(dir, ec) && dir != dir.root_path()) dir = dir.parent_path();
  return dir;
}
}  // namespace

const char* network_filesystem_name(int64_t statfs_magic) {
  for (const FsMagic& m : kNetworkFilesystems)
    if (m.magic == statfs_magic) return m.name;
  return nullptr;
}

const char* network_filesystem_of(const std::filesystem::path& path) {
  struct statfs st {};
  if (statfs(existing_dir(path).c_str(), &st) != 0) return nullptr;
  return network_filesystem_name(static_cast<int64_t>(static_cast<uint32_t>(st.f_type)));
}

struct AnswerCache::Impl {
  std::filesystem::path path;
  sqlite3* db = nullptr;
  sqlite3_stmt* select = nullptr;
  sqlite3_stmt* insert = nullptr;
  mutable std::mutex mu;
  std::string error;
  const char* network_fs = nullptr;  // set: one process at a time (see set_up)

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
    const int rc = set_up();
    if (network_fs && (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)) {
      core::fail(ErrorCode::io, path.string(),
                 std::string("the MLLM answer cache is on a network filesystem (") + network_fs +
                     "), where ants opens it for one process at a time, and another process has it open: give each "
                     "task its own --mllm-cache FILE");
    }
    check(rc, "cannot set up the MLLM answer cache");
    check(sqlite3_prepare_v2(db, "SELECT answer FROM answers WHERE key = ?1", -1, &select, nullptr), "prepare");
    check(sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO answers VALUES (?1, ?2, ?3, ?4, ?5)", -1, &insert, nullptr),
          "prepare");
  }

  // Switching to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at once, without
  // its busy handler, when two processes set the same new file up together (two evals sharing a
  // cache directory): retry for as long as the busy timeout.
  // WAL's shared memory (the -shm file) does not work across the hosts of a network filesystem.
  // There the file is opened in EXCLUSIVE locking mode, which keeps the WAL index in the
  // process's memory and the file locked until it is closed: safe, one process at a time.
  int set_up() {
    const std::string schema =
        std::string(network_fs ? "PRAGMA locking_mode=EXCLUSIVE;" : "") +
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        "CREATE TABLE IF NOT EXISTS answers(key TEXT PRIMARY KEY, kind TEXT NOT NULL, model TEXT NOT NULL,"
        " answer TEXT NOT NULL, created INTEGER NOT NULL);";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
    for (;;) {
      const int rc = sqlite3_exec(db, schema.c_str(), nullptr, nullptr, nullptr);
      if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || std::chrono::steady_clock::now() >= deadline) return rc;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  void note(const char* what) { error = path.string() + ": " + what + ": " + sqlite3_errmsg(db); }
};

AnswerCache::AnswerCache(const std::filesystem::path& path, const char* network_fs) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  impl_->network_fs = network_fs ? network_fs : network_filesystem_of(path);
  impl_->open();
}

const char* AnswerCache::network_filesystem() const { return impl_->network_fs; }

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
