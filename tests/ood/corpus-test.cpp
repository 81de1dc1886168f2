#include "ood/corpus.h"

#include <ants/negatives.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/file-util.h"
#include "ood/builtin-corpus.h"
#include "test-paths.h"

namespace ants::ood {
namespace {

namespace fs = std::filesystem;

fs::path shared_corpus() { return test::shared_dir() / "data/neglabel-wordnet"; }

std::vector<std::string> imagenet() { return read_class_list(test::shared_dir() / "data/imagenet_classes.txt"); }

TEST(NegLabelCorpus, ImageNetCountsMatchTheSpec) {
  const NegLabelCorpus c = load_neglabel_corpus({}, imagenet());
  EXPECT_EQ(c.counts.adj_lines, 13467u);
  EXPECT_EQ(c.counts.noun_lines, 65988u);
  EXPECT_EQ(c.counts.adj_unique, 13091u);
  EXPECT_EQ(c.counts.noun_unique, 58546u);
  EXPECT_EQ(c.counts.adj_not_id, 13082u);
  EXPECT_EQ(c.counts.noun_not_id, 58101u);
  EXPECT_EQ(c.counts.adjectives, 11453u);
  EXPECT_EQ(c.counts.nouns, 58101u);
  EXPECT_EQ(c.adjectives.size(), 11453u);
  EXPECT_EQ(c.nouns.size(), 58101u);
  // First occurrence in sorted file order: adj.all.txt starts "unheard", noun.Tops.txt "living thing".
  EXPECT_EQ(c.adjectives.front(), "unheard");
  EXPECT_EQ(c.nouns.front(), "living thing");
}

TEST(NegLabelCorpus, BuiltInIsTheSharedWordLists) {
  const auto builtin = read_corpus_files({});
  const auto shared = read_corpus_files(shared_corpus());
  ASSERT_EQ(builtin.size(), 27u);
  ASSERT_EQ(builtin.size(), shared.size());
  for (size_t i = 0; i < builtin.size(); ++i) {
    EXPECT_EQ(builtin[i].name, shared[i].name);
    EXPECT_TRUE(builtin[i].content == shared[i].content) << builtin[i].name;
  }
  EXPECT_EQ(corpus_hash(builtin), corpus_hash(shared));
}

TEST(NegLabelCorpus, ProjectCopyIsTheSharedWordLists) {
  const auto project = read_corpus_files(fs::path(ANTS_SOURCE_DIR) / "data/neglabel-wordnet");
  EXPECT_EQ(corpus_hash(project), corpus_hash(read_corpus_files(shared_corpus())));
}

// A directory of corpus-shaped files plus files the reader must ignore.
fs::path write_test_corpus(const std::vector<std::pair<std::string, std::string>>& files) {
  const fs::path dir = test::temp_dir() / "corpus";
  for (const auto& [name, content] : files) core::write_file_atomic(dir / name, content);
  return dir;
}

TEST(NegLabelCorpus, ParsesAsTheReference) {
  const fs::path dir = write_test_corpus({
      {"noun.b.txt", "tench\ngreen\ncar\ncar\n"},
      {"adj.z.txt", "blue\nred\n"},
      {"adj.a.txt", "red\n red\ngreen\ntench\nloud\nlast without newline"},  // read before adj.z
      {"noun.a.txt", "bicycle\r\n\n"},      // CR kept, empty line kept (lines are not stripped)
      {"README.md", "ignored\n"},
      {"adjectives.csv", "ignored\n"},      // does not end in txt
      {"verb.txt", "ignored\n"},            // neither adj nor noun
  });
  fs::create_directories(dir / "noun.subdir.txt");  // not a regular file
  const NegLabelCorpus c = load_neglabel_corpus(dir, {"tench", "Car"});
  EXPECT_EQ(c.adjectives, (std::vector<std::string>{"red", " red", "loud", "blue"}));
  EXPECT_EQ(c.nouns, (std::vector<std::string>{"bicycle\r", "", "green", "car"}));
  EXPECT_EQ(c.counts.adj_lines, 7u);
  EXPECT_EQ(c.counts.adj_unique, 6u);   // red twice
  EXPECT_EQ(c.counts.adj_not_id, 5u);   // tench
  EXPECT_EQ(c.counts.adjectives, 4u);   // green is a noun
  EXPECT_EQ(c.counts.noun_lines, 6u);
  EXPECT_EQ(c.counts.noun_unique, 5u);  // car twice
  EXPECT_EQ(c.counts.noun_not_id, 4u);  // tench; "Car" is not "car"
  EXPECT_EQ(c.counts.nouns, 4u);
}

TEST(NegLabelCorpus, DirectoryWithoutCorpusFilesIsAnError) {
  const fs::path dir = write_test_corpus({{"README.md", "x\n"}});
  try {
    load_neglabel_corpus(dir, {"x"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::format);
    EXPECT_NE(std::string(e.what()).find(dir.string()), std::string::npos);
  }
  try {
    load_neglabel_corpus("/nonexistent/corpus", {"x"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/corpus"), std::string::npos);
  }
}

TEST(NegLabelCorpus, HashFollowsNamesAndContents) {
  const auto a = corpus_hash({{"adj.txt", "red\n"}, {"noun.txt", "car\n"}});
  EXPECT_EQ(a, corpus_hash({{"adj.txt", "red\n"}, {"noun.txt", "car\n"}}));
  EXPECT_NE(a, corpus_hash({{"adj.txt", "red\n"}, {"noun.txt", "cat\n"}}));
  EXPECT_NE(a, corpus_hash({{"adj2.txt", "red\n"}, {"noun.txt", "car\n"}}));
  EXPECT_NE(a, corpus_hash({{"adj.txt", "red\nnoun.txt"}, {"", "car\n"}}));
}

TEST(NegLabelCorpus, MalformedPacksAreRejected) {
  for (const char* bad : {"", "NOTAPACK\n", "ANTSPACK1\nadj.txt\n", "ANTSPACK1\nadj.txt\n99\nred\n",
                          "ANTSPACK1\nadj.txt\n-1\n", "ANTSPACK1\nadj.txt\n4x\nred\n"}) {
    EXPECT_THROW(unpack_corpus(bad, "test pack"), Error) << bad;
  }
  const auto files = unpack_corpus("ANTSPACK1\nadj.txt\n4\nred\nnoun.txt\n0\n", "test pack");
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].content, "red\n");
  EXPECT_EQ(files[1].name, "noun.txt");
  EXPECT_EQ(files[1].content, "");
}

}  // namespace
}  // namespace ants::ood
