// Inputs: directories, OpenOOD image lists, class lists, the demo images.
#include <ants/pipeline.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/file-util.h"
#include "pipeline-fixture.h"

namespace ants {
namespace {

namespace fs = std::filesystem;

TEST(PipelineInputs, DirectoriesAreWalkedRecursivelySortedAndFiltered) {
  const fs::path d = test::temp_dir();
  fs::create_directories(d / "b" / "c");
  for (const char* f : {"b/c/z.JPG", "b/a.png", "b/notes.txt", "a.webp", "b/c/y.bmp"}) core::write_file_atomic(d / f, "x");
  const auto files = collect_image_files({(d / "b").string(), (d / "a.webp").string()});
  const std::vector<std::string> want{(d / "b/a.png").string(), (d / "b/c/y.bmp").string(), (d / "b/c/z.JPG").string(),
                                      (d / "a.webp").string()};
  EXPECT_EQ(files, want);
  // A missing input stays an input (its row reports the error); nothing else is lost.
  EXPECT_EQ(collect_image_files({(d / "missing.jpg").string(), (d / "a.webp").string()}),
            (std::vector<std::string>{(d / "missing.jpg").string(), (d / "a.webp").string()}));
}


// The embedding stage of a sharded eval: the distinct images of directories, image files and
// lists (a path named twice counts once), byte-sorted, then split by position mod N.
TEST(PipelineInputs, DistinctImagesSplitIntoDisjointCoveringShards) {
  const fs::path d = test::temp_dir();
  fs::create_directories(d / "root" / "set");
  for (const char* f : {"root/set/b.png", "root/set/a.png", "root/set/C.jpg", "root/x.webp"})
    core::write_file_atomic(d / f, "x");
  core::write_file_atomic(d / "list.txt", "set/a.png 0\nset/z.bmp -1\nx.webp 3\n");
  const auto all = distinct_images({(d / "root" / "set").string(), (d / "list.txt").string(),
                                    (d / "root" / "x.webp").string()},
                                   d / "root");
  const std::vector<std::string> want{(d / "root/set/C.jpg").string(), (d / "root/set/a.png").string(),
                                      (d / "root/set/b.png").string(), (d / "root/set/z.bmp").string(),
                                      (d / "root/x.webp").string()};
  EXPECT_EQ(all, want);  // 'C' < 'a': bytes, not locale
  std::vector<std::string> seen;
  for (size_t i = 0; i < 3; ++i) {
    const auto shard = shard_of(all, i, 3);
    for (size_t k = 0; k < shard.size(); ++k) EXPECT_EQ(shard[k], all[i + 3 * k]);
    seen.insert(seen.end(), shard.begin(), shard.end());
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, all);
  EXPECT_EQ(shard_of(all, 0, 1), all);
  EXPECT_TRUE(shard_of(all, 7, 9).empty());
  EXPECT_THROW(shard_of(all, 3, 3), Error);
  EXPECT_THROW(shard_of(all, 0, 0), Error);
}

TEST(PipelineInputs, ImageListsAreRelativeToTheRootAndErrorsNameTheLine) {
  const fs::path d = test::temp_dir();
  core::write_file_atomic(d / "list.txt", "# OpenOOD list\nimagenet_1k/val/a b.JPEG 3\n\nother/x.png -1\n");
  const auto ood = read_image_list(d / "list.txt", "/data", true);
  ASSERT_EQ(ood.size(), 2u);
  EXPECT_EQ(ood[0].file, "/data/imagenet_1k/val/a b.JPEG");
  EXPECT_EQ(ood[0].label, kOodLabel);
  EXPECT_EQ(ood[1].label, kOodLabel);
  core::write_file_atomic(d / "id.txt", "imagenet_1k/val/a b.JPEG 3\n");
  auto id = read_image_list(d / "id.txt", "/data", false);
  ASSERT_EQ(id.size(), 1u);
  EXPECT_EQ(id[0].label, 3);
  // -1 in an ID list would silently count the image as OOD.
  try {
    read_image_list(d / "list.txt", "/data", false);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("list.txt:4"), std::string::npos) << e.what();
  }
  core::write_file_atomic(d / "bad.txt", "a.png 1\nb.png x\n");
  try {
    read_image_list(d / "bad.txt", "", false);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.txt:2"), std::string::npos) << e.what();
  }
}


TEST(PipelineInputs, BuiltInClassListsKeepDuplicateNamesAsDistinctClasses) {
  const auto imagenet = load_classes("imagenet");
  ASSERT_EQ(imagenet.size(), 1000u);
  EXPECT_EQ(imagenet[0], "tench");
  EXPECT_EQ(imagenet[657], "missile");
  EXPECT_EQ(imagenet[744], "missile");
  EXPECT_EQ(load_classes("cifar10").size(), 10u);
  EXPECT_EQ(load_classes("cifar100").size(), 100u);
  EXPECT_EQ(load_classes("cifar100")[1], "aquarium fish");
  const fs::path f = test::temp_dir() / "classes.txt";
  core::write_file_atomic(f, "cat\ndog\n");
  EXPECT_EQ(load_classes(f.string()), (std::vector<std::string>{"cat", "dog"}));
  try {
    load_classes("imagenett");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("built-in list (imagenet, cifar10, cifar100, imagenet-a,"), std::string::npos);
  }
}

// The ID sets of the paper's Tables 8, 10 and 11 (data/classes/README.md): their sizes, and the
// ImageNet subsets are imagenet.txt names in ImageNet class order.
TEST(PipelineInputs, BuiltInListsOfOtherIdSets) {
  const std::map<std::string, size_t> sizes{{"imagenet-a", 200},   {"imagenet-r", 200},   {"imagenet-10", 10},
                                            {"imagenet-20", 20},   {"imagenet-100", 100}, {"cub200", 200},
                                            {"stanford-cars", 196}, {"food101", 101},      {"oxford-pets", 37}};
  const auto imagenet = load_classes("imagenet");
  for (const auto& [name, size] : sizes) {
    const auto names = load_classes(name);
    EXPECT_EQ(names.size(), size) << name;
    EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), size) << name << ": duplicates";
    if (name.rfind("imagenet-", 0) != 0) continue;
    auto at = imagenet.begin();
    for (const auto& n : names) {
      at = std::find(at, imagenet.end(), n);
      ASSERT_NE(at, imagenet.end()) << name << ": '" << n << "' is not after the previous class in imagenet.txt";
      ++at;
    }
  }
  EXPECT_EQ(load_classes("imagenet-10").front(), "brambling");
  EXPECT_EQ(load_classes("imagenet-r").front(), "goldfish");
  EXPECT_EQ(load_classes("cub200").back(), "Common Yellowthroat");
  EXPECT_EQ(load_classes("oxford-pets").front(), "Abyssinian");
  EXPECT_EQ(builtin_class_list_names().size(), 3 + sizes.size());
}


TEST(PipelineInputs, DemoImagesAreDeterministic) {
  const fs::path a = test::temp_dir() / "a", b = test::temp_dir() / "b";
  const auto ids = write_demo_images(a, 8, 6);
  write_demo_images(b, 8, 6);
  ASSERT_EQ(ids.size(), 8u);
  EXPECT_EQ(ids[5].label, 1);
  for (const auto& f : collect_image_files({(a / "ood").string()})) {
    const std::string other = (b / "ood" / fs::path(f).filename()).string();
    EXPECT_EQ(core::read_file(f), core::read_file(other)) << f;
    EXPECT_NO_THROW(decode_image_file(f));
  }
}


}  // namespace
}  // namespace ants
