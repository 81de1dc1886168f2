#include <ants/negatives.h>
#include <gtest/gtest.h>

#include "core/file-util.h"
#include "test-paths.h"

namespace ants {
namespace {

TEST(ClassList, ImageNetKeepsAndWarnsAboutRepeatedNames) {
  std::vector<std::string> warnings;
  const auto names = read_class_list(test::shared_dir() / "data/imagenet_classes.txt", &warnings);
  ASSERT_EQ(names.size(), 1000u);
  EXPECT_EQ(names[0], "tench");
  EXPECT_EQ(names[999], "toilet paper");
  EXPECT_EQ(names[657], "missile");
  EXPECT_EQ(names[744], "missile");
  EXPECT_EQ(names[836], "sunglasses");
  EXPECT_EQ(names[837], "sunglasses");
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("imagenet_classes.txt:745: class 'missile' also on line 658"), std::string::npos)
      << warnings[0];
  EXPECT_NE(warnings[1].find("imagenet_classes.txt:838: class 'sunglasses' also on line 837"), std::string::npos)
      << warnings[1];
}

TEST(ClassList, StripsSkipsCommentsAndBlankLines) {
  const auto path = test::temp_dir() / "classes.txt";
  core::write_file_atomic(path, "\xEF\xBB\xBF# a comment\r\n  tench \r\n\n\t\ngreat white shark\r\n   # indented comment\nlast");
  std::vector<std::string> warnings;
  EXPECT_EQ(read_class_list(path, &warnings), (std::vector<std::string>{"tench", "great white shark", "last"}));
  EXPECT_TRUE(warnings.empty());
}

TEST(ClassList, RepeatsWithoutWarningSinkAreStillKept) {
  const auto path = test::temp_dir() / "classes.txt";
  core::write_file_atomic(path, "cat\ndog\ncat\n");
  EXPECT_EQ(read_class_list(path), (std::vector<std::string>{"cat", "dog", "cat"}));
}

TEST(ClassList, EmptyListIsAnErrorNamingTheFile) {
  const auto path = test::temp_dir() / "empty-classes.txt";
  core::write_file_atomic(path, "# only a comment\n\n   \n");
  try {
    read_class_list(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::format);
    EXPECT_NE(std::string(e.what()).find("empty-classes.txt: no class names"), std::string::npos) << e.what();
  }
}

TEST(ClassList, MissingFileIsAnIoError) {
  try {
    read_class_list("/nonexistent/classes.txt");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/classes.txt"), std::string::npos);
  }
}

TEST(PromptTemplate, ReplacesTheOnePlaceholder) {
  EXPECT_EQ(apply_template("The nice {}.", "tench"), "The nice tench.");
  EXPECT_EQ(apply_template("This is a {} photo.", "wooden"), "This is a wooden photo.");
  EXPECT_EQ(apply_template("{}", "x {} y"), "x {} y");  // the name is inserted verbatim
}

TEST(PromptTemplate, RejectsZeroOrSeveralPlaceholders) {
  for (const char* bad : {"no placeholder", "{} and {}", "{ }"}) {
    try {
      apply_template(bad, "x");
      FAIL() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace ants
