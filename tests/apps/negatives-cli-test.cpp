// `ants negatives` end to end on the tiny model with the built-in corpus.
#include <ants/negatives.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <sstream>

#include "core/file-util.h"
#include "cli-runner.h"
#include "test-paths.h"
#include "test-util.h"

namespace ants {
namespace {

namespace fs = std::filesystem;

using test::CliRun;
using test::run_cli;

// The first 50 ImageNet classes (with a comment line) in a temp file.
std::string class_file() {
  const auto names = read_class_list(test::shared_dir() / "data/imagenet_classes.txt");
  std::string text = "# ImageNet-1k, first 50\n";
  for (size_t i = 0; i < 50; ++i) text += names[i] + "\n";
  const fs::path path = test::temp_dir() / "classes.txt";
  core::write_file_atomic(path, text);
  return path.string();
}

std::vector<std::string> base_args(const fs::path& cache) {
  return {"negatives", "--model", test::tiny_model_dir().string(), "--classes", class_file(), "--count", "500",
          "--precision", "fp32", "--cache-dir", cache.string()};
}

TEST(NegativesCli, PrintsTheBankAndReadsBack) {
  if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
  const fs::path cache = test::temp_dir() / "cache";
  const CliRun r = run_cli(base_args(cache));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto prompts = test::split_lines(r.out);
  ASSERT_EQ(prompts.size(), 500u);
  EXPECT_NE(r.err.find("adjectives 13467 lines"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("= 500 in"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cache: miss, stored"), std::string::npos) << r.err;

  // The output is valid --negatives input, and the same prompts come back.
  const fs::path out_file = test::temp_dir() / "negatives.txt";
  core::write_file_atomic(out_file, r.out);
  const auto model = ClipModel::load(test::tiny_model_dir(), ClipParams{Precision::fp32, 2});
  const TextBank bank = read_negatives_file(*model, out_file, CacheOptions{false, {}});
  EXPECT_EQ(bank.prompts, prompts);

  // The library with the same options is served from the cache the CLI wrote.
  NegLabelOptions o;
  o.count = 500;
  o.cache.dir = cache;
  const NegLabelBank lib = select_neglabel_bank(*model, read_class_list(class_file()), o);
  EXPECT_TRUE(lib.cache_hit);
  EXPECT_EQ(lib.bank.prompts, prompts);
  ASSERT_GT(lib.n_adjectives, 0u);
  for (size_t i = 0; i < prompts.size(); ++i) {
    EXPECT_TRUE(prompts[i].starts_with(i < lib.n_adjectives ? "This is a " : "The nice ")) << i << ": " << prompts[i];
  }
}

TEST(NegativesCli, CachedRunScoresAndOutFile) {
  if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
  const fs::path cache = test::temp_dir() / "cache";
  const CliRun first = run_cli(base_args(cache));
  ASSERT_EQ(first.code, 0) << first.err;
  auto args = base_args(cache);
  const fs::path out_file = test::temp_dir() / "scored.txt";
  args.insert(args.end(), {"--scores", "--out", out_file.string()});
  const CliRun second = run_cli(args);
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_TRUE(second.out.empty());
  EXPECT_NE(second.err.find("cache: bank hit"), std::string::npos) << second.err;
  const auto scored = test::split_lines(core::read_file(out_file));
  const auto plain = test::split_lines(first.out);
  ASSERT_EQ(scored.size(), plain.size());
  for (size_t i = 0; i < scored.size(); ++i) {
    const size_t tab = scored[i].find('\t');
    ASSERT_NE(tab, std::string::npos) << scored[i];
    EXPECT_EQ(scored[i].substr(0, tab), plain[i]);
    const float q = std::stof(scored[i].substr(tab + 1));
    EXPECT_GE(q, -1.f);
    EXPECT_LE(q, 1.f);
  }
  // --scores output reads back as a negatives file too (the tab and score are ignored).
  const auto model = ClipModel::load(test::tiny_model_dir(), ClipParams{Precision::fp32, 2});
  EXPECT_EQ(read_negatives_file(*model, out_file, CacheOptions{false, {}}).prompts, plain);
}

// --text-batch, and --batch as this command called it before, set the pass size, not the bank.
TEST(NegativesCli, TheTextBatchOptionKeepsItsOldName) {
  if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
  // The bank comes from the build tree's shared cache: what matters is that both spellings parse.
  const fs::path cache = test::shared_text_cache();
  const CliRun first = run_cli(base_args(cache));
  ASSERT_EQ(first.code, 0) << first.err;
  for (const char* option : {"--text-batch", "--batch"}) {
    auto args = base_args(cache);
    args.insert(args.end(), {option, "7"});
    const CliRun r = run_cli(args);
    ASSERT_EQ(r.code, 0) << option << ": " << r.err;
    EXPECT_EQ(r.out, first.out) << option;
  }
}

TEST(NegativesCli, NoCacheWritesNothing) {
  if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
  const fs::path cache = test::temp_dir() / "cache";
  // A small corpus keeps this run short; the built-in one is covered above.
  const fs::path corpus = test::temp_dir() / "corpus";
  core::write_file_atomic(corpus / "adj.small.txt", "wooden\nbright\nquiet\n");
  core::write_file_atomic(corpus / "noun.small.txt", "zeppelin\nteapot\ncanal\nglacier\nviolin\nsaddle\nlantern\n");
  auto args = base_args(cache);
  args[6] = "5";
  args.insert(args.end(), {"--no-cache", "--corpus", corpus.string()});
  const CliRun r = run_cli(args);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(test::split_lines(r.out).size(), 5u);
  EXPECT_NE(r.err.find("selected 1 adjectives + 4 nouns = 5"), std::string::npos) << r.err;  // floor(5·3/10)
  EXPECT_NE(r.err.find("cache: off"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(cache));
  EXPECT_FALSE(fs::exists(test::temp_dir() / "env-cache"));
}

TEST(NegativesCli, ErrorsAreOneLineWithExitCodes) {
  if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
  const fs::path cache = test::temp_dir() / "cache";
  auto args = base_args(cache);
  args[6] = "1000000";  // --count above the number of candidates
  CliRun r = run_cli(args);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("ants: error: negative count 1000000"), std::string::npos) << r.err;

  args = base_args(cache);
  args[4] = "/nonexistent/classes.txt";  // neither a file nor a built-in list: a usage error
  r = run_cli(args);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("ants: error: /nonexistent/classes.txt"), std::string::npos) << r.err;

  args = base_args(cache);
  args.insert(args.end(), {"--corpus", "/nonexistent/corpus"});
  r = run_cli(args);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("/nonexistent/corpus"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

}  // namespace
}  // namespace ants
