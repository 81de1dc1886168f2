// The SQLite answer cache shared by several users of one cache directory.
#include "mllm/answer-cache.h"

#include <ants/error.h>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "test-paths.h"

namespace ants::mllm {
namespace {

// Processes that open one new cache file at the same moment (two evals and a detect sharing a
// --cache-dir; found by tests/crash/kill-harness.py as "database is locked") all set it up, and
// each one's answers are there for the others. Processes, because SQLite's locks between
// connections of one process do not show it.
TEST(AnswerCache, ProcessesOpeningOneNewFileTogetherAllSucceed) {
  for (int round = 0; round < 10; ++round) {
    const auto path = test::temp_dir() / "mllm-answers.sqlite";
    constexpr int kUsers = 6;
    int gate[2];
    ASSERT_EQ(pipe(gate), 0);
    std::vector<pid_t> children;
    for (int u = 0; u < kUsers; ++u) {
      const pid_t pid = fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) {
        close(gate[1]);
        char c;
        while (read(gate[0], &c, 1) > 0) {
        }  // the parent closing the pipe starts every child at once
        try {
          for (int again = 0; again < 3; ++again) {  // open, write, close: what each run does
            AnswerCache cache(path);
            for (int k = 0; k < 20; ++k) {
              cache.get("key-" + std::to_string(k));
              cache.put("key-" + std::to_string(u) + "-" + std::to_string(again * 20 + k), "describe", "m", "x");
            }
            cache.put("key-" + std::to_string(u), "describe", "m", "answer " + std::to_string(u));
            if (!cache.last_error().empty()) {
              std::fprintf(stderr, "%s\n", cache.last_error().c_str());
              _exit(3);
            }
          }
          _exit(0);
        } catch (const Error& e) {
          std::fprintf(stderr, "%s\n", e.what());
          _exit(2);
        }
      }
      children.push_back(pid);
    }
    close(gate[0]);
    close(gate[1]);
    for (const pid_t pid : children) {
      int status = 0;
      ASSERT_EQ(waitpid(pid, &status, 0), pid);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "round " << round << ": status " << status;
    }
    AnswerCache reader(path);
    for (int u = 0; u < kUsers; ++u) EXPECT_EQ(reader.get("key-" + std::to_string(u)), "answer " + std::to_string(u));
  }
}

// On a network filesystem one process at a time has the file (WAL's shared memory does not
// reach across hosts there); another user is refused with what to do instead.
TEST(AnswerCache, OnANetworkFilesystemASecondUserIsRefusedWithTheRemedy) {
  const auto dir = test::temp_dir();
  const auto file = dir / "mllm-answers.sqlite";
  AnswerCache first(file, "nfs");
  EXPECT_STREQ(first.network_filesystem(), "nfs");
  first.put("k", "describe", "m", "a cat");
  EXPECT_EQ(first.get("k"), "a cat");
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    try {
      AnswerCache second(file, "nfs");
      _exit(3);
    } catch (const Error& e) {
      const std::string msg = e.what();
      _exit(msg.find(file.string()) != std::string::npos && msg.find("network filesystem (nfs)") != std::string::npos &&
                    msg.find("its own --mllm-cache") != std::string::npos
                ? 0
                : 4);
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "3: not refused, 4: another message";
  EXPECT_FALSE(std::filesystem::exists(dir / "mllm-answers.sqlite-shm"));  // no shared memory
}

TEST(AnswerCache, NetworkFilesystemsAreKnownByTheirMagic) {
  EXPECT_STREQ(network_filesystem_name(0x6969), "nfs");
  EXPECT_STREQ(network_filesystem_name(0x0BD00BD0), "lustre");
  EXPECT_STREQ(network_filesystem_name(0x47504653), "gpfs");
  EXPECT_EQ(network_filesystem_name(0xEF53), nullptr);  // ext4
  EXPECT_EQ(network_filesystem_name(0x01021994), nullptr);  // tmpfs
}

}  // namespace
}  // namespace ants::mllm
