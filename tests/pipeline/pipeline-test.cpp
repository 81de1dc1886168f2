// The pipeline library: inputs, class lists, cached image embeddings, the scorer and eval.
#include <ants/pipeline.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "core/file-util.h"
#include "ood/fake-mllm.h"
#include "ood/randperm.h"
#include "test-paths.h"

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
  EXPECT_THROW(collect_image_files({(d / "missing").string()}), Error);
}

TEST(PipelineInputs, ImageListsAreRelativeToTheRootAndErrorsNameTheLine) {
  const fs::path d = test::temp_dir();
  core::write_file_atomic(d / "list.txt", "# OpenOOD list\nimagenet_1k/val/a b.JPEG 3\n\nother/x.png -1\n");
  auto id = read_image_list(d / "list.txt", "/data", false);
  ASSERT_EQ(id.size(), 2u);
  EXPECT_EQ(id[0].file, "/data/imagenet_1k/val/a b.JPEG");
  EXPECT_EQ(id[0].label, 3);
  EXPECT_EQ(id[1].label, -1);
  const auto ood = read_image_list(d / "list.txt", "/data", true);
  EXPECT_EQ(ood[0].label, kOodLabel);
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

class PipelineModel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ClipParams p = clip_default_params();
    p.precision = Precision::fp32;
    model_ = ClipModel::load(test::tiny_model_dir(), p).release();
  }
  static void TearDownTestSuite() { delete model_; }

  void SetUp() override {
    dir_ = test::temp_dir();
    id_ = write_demo_images(dir_ / "images", 24, 16);
    for (const auto& f : collect_image_files({(dir_ / "images" / "ood").string()})) ood_.push_back({f, kOodLabel});
    core::write_file_atomic(dir_ / "images" / "ood" / "broken.png", "not an image");
    ood_.push_back({(dir_ / "images" / "ood" / "broken.png").string(), kOodLabel});
  }

  ScorerOptions scorer_options() const {
    ScorerOptions o;
    o.neglabel.count = 300;
    o.neglabel.cache.dir = dir_ / "cache";
    o.detector.min_candidates = 5;
    o.detector.near_start_batch = 2;
    o.detector.near_interval = 2;
    return o;
  }
  EvalOptions eval_options() const {
    EvalOptions e;
    e.seeds = {0, 3};
    e.batch = 8;
    e.features.preprocess = preprocess_preset(*model_, "openood");
    e.features.preprocess_name = "openood";
    e.features.cache.dir = dir_ / "cache";
    return e;
  }

  static ClipModel* model_;
  fs::path dir_;
  std::vector<LabeledImage> id_, ood_;
};
ClipModel* PipelineModel::model_ = nullptr;

TEST_F(PipelineModel, CachedEmbeddingsEqualFreshOnesAndBadFilesKeepTheirError) {
  std::vector<std::string> files{id_[0].file, ood_.back().file, id_[1].file};
  ImageFeatureOptions o = eval_options().features;
  size_t hits = 99;
  const auto first = embed_images_cached(*model_, files, o, {}, &hits);
  EXPECT_EQ(hits, 0u);
  const auto again = embed_images_cached(*model_, files, o, {}, &hits);
  EXPECT_EQ(hits, 2u);
  ASSERT_EQ(again.size(), 3u);
  EXPECT_EQ(again[0].embedding, first[0].embedding);
  EXPECT_EQ(again[2].embedding, first[2].embedding);
  EXPECT_NE(again[0].embedding, again[2].embedding);
  EXPECT_NE(again[1].error.find("broken.png"), std::string::npos);
  o.preprocess_name = "clip";  // another preprocessing is another key
  embed_images_cached(*model_, files, o, {}, &hits);
  EXPECT_EQ(hits, 0u);
}

TEST_F(PipelineModel, EvalStreamsOodThenIdInTorchRandpermOrderAndScoresEveryReadableImage) {
  test::FakeMllm mllm;
  OodScorer scorer(*model_, demo_class_names(), scorer_options(), &mllm);
  const OodSet set{"textures", "far", ood_};
  const EvalResult r = run_eval(*model_, scorer, id_, {set}, eval_options());
  ASSERT_EQ(r.runs.size(), 2u);
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_NE(r.failed[0].error.find("broken.png"), std::string::npos);
  std::vector<LabeledImage> stream(ood_.begin(), ood_.end() - 1);
  stream.insert(stream.end(), id_.begin(), id_.end());
  for (const SetRun& run : r.runs) {
    const auto perm = ood::torch_randperm(static_cast<uint32_t>(stream.size()), run.seed);
    ASSERT_EQ(run.order.size(), stream.size());
    for (size_t i = 0; i < perm.size(); ++i) EXPECT_EQ(run.order[i].file, stream[perm[i]].file);
    std::vector<double> id, ood;
    for (size_t i = 0; i < run.order.size(); ++i) (run.order[i].label == kOodLabel ? ood : id).push_back(run.scores[i].score);
    const OodMetrics m = ood_metrics(id, ood);
    EXPECT_DOUBLE_EQ(run.metrics.auroc, m.auroc);
    EXPECT_EQ(run.metrics.n_id, 24u);
    EXPECT_EQ(run.metrics.n_ood, 16u);
    EXPECT_TRUE(run.acc.has_value());
    EXPECT_EQ(run.trace.size(), 5u);  // 40 images in batches of 8
  }
  EXPECT_NE(r.runs[0].order[0].file, r.runs[1].order[0].file);  // the seeds shuffle differently
  EXPECT_FALSE(mllm.describe_files.empty());                      // ENS asked the MLLM
  EXPECT_FALSE(mllm.similar_calls.empty());                       // and VSNL
  size_t far = 0, near = 0;
  for (const auto& t : r.runs[0].trace) far += t.new_far.size(), near += t.new_near.size();
  EXPECT_GT(far, 0u);
  EXPECT_GT(near, 0u);
  EXPECT_EQ(far, r.runs[0].trace.back().far_rows);
}

TEST_F(PipelineModel, TheSecondEvalTakesEveryEmbeddingFromTheCache) {
  OodScorer scorer(*model_, demo_class_names(), scorer_options(), nullptr);
  const OodSet set{"textures", "far", ood_};
  const EvalResult first = run_eval(*model_, scorer, id_, {set}, eval_options());
  const EvalResult second = run_eval(*model_, scorer, id_, {set}, eval_options());
  EXPECT_EQ(first.cache_hits, 0u);
  EXPECT_EQ(second.cache_hits, 40u);  // every readable image; the broken one is retried
  EXPECT_EQ(second.runs[0].metrics.auroc, first.runs[0].metrics.auroc);
}

TEST_F(PipelineModel, MethodsScoreDifferentlyAndMcmEqualsTheIdProbability) {
  std::vector<ImageEmbedding> batch = embed_images_cached(*model_, {id_[0].file, id_[1].file, ood_[0].file},
                                                          eval_options().features);
  ScorerOptions o = scorer_options();
  o.method = Method::mcm;
  OodScorer mcm(*model_, demo_class_names(), o, nullptr);
  const auto a = mcm.score(batch);
  o.method = Method::neglabel;
  OodScorer nl(*model_, demo_class_names(), o, nullptr);
  const auto b = nl.score(batch);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_FLOAT_EQ(a[i].score, a[i].prob);
    EXPECT_EQ(a[i].pred, b[i].pred);
    EXPECT_NE(a[i].score, b[i].score);
    EXPECT_GT(a[i].prob, 1.f / 4.f - 1e-6f);
  }
  EXPECT_EQ(nl.negatives(), 300u);
  EXPECT_THROW(parse_method("odin"), Error);
}

}  // namespace
}  // namespace ants
