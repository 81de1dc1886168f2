// The pipeline library: inputs, class lists, cached image embeddings, the scorer and eval.
#include <ants/pipeline.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "core/file-envelope.h"
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
  // A missing input stays an input (its row reports the error); nothing else is lost.
  EXPECT_EQ(collect_image_files({(d / "missing.jpg").string(), (d / "a.webp").string()}),
            (std::vector<std::string>{(d / "missing.jpg").string(), (d / "a.webp").string()}));
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
    EXPECT_NE(std::string(e.what()).find("built-in list (imagenet, cifar10, cifar100)"), std::string::npos);
  }
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
    // The ~72k NegLabel candidate embeddings are setup here, computed once per build tree.
    text_cache_ = new fs::path(test::shared_text_cache());
  }
  static void TearDownTestSuite() {
    delete model_;
    delete text_cache_;
  }

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
    o.neglabel.cache.dir = *text_cache_;
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
  static fs::path* text_cache_;
  fs::path dir_;
  std::vector<LabeledImage> id_, ood_;
};
ClipModel* PipelineModel::model_ = nullptr;
fs::path* PipelineModel::text_cache_ = nullptr;

TEST_F(PipelineModel, CachedEmbeddingsEqualFreshOnesAndBadFilesKeepTheirError) {
  std::vector<std::string> files{id_[0].file, ood_.back().file, id_[1].file};
  ImageEmbedOptions o = eval_options().features;
  EmbedReport first_report, again_report, other_report;
  const auto first = embed_image_files(*model_, files, o, {}, &first_report);
  EXPECT_EQ(first_report.cache_hits, 0u);
  const auto again = embed_image_files(*model_, files, o, {}, &again_report);
  EXPECT_EQ(again_report.cache_hits, 2u);
  ASSERT_EQ(again.size(), 3u);
  EXPECT_EQ(again[0].embedding, first[0].embedding);
  EXPECT_EQ(again[2].embedding, first[2].embedding);
  EXPECT_NE(again[0].embedding, again[2].embedding);
  EXPECT_NE(again[1].error.find("broken.png"), std::string::npos);
  o.preprocess_name = "clip";  // another preprocessing is another key
  embed_image_files(*model_, files, o, {}, &other_report);
  EXPECT_EQ(other_report.cache_hits, 0u);
}

TEST_F(PipelineModel, EvalStreamsOodThenIdInTorchRandpermOrderAndScoresEveryReadableImage) {
  test::FakeMllm mllm;
  OodScorer scorer(*model_, demo_class_names(), scorer_options(), &mllm);
  const OodSet set{"textures", "far", ood_};
  const EvalResult r = run_eval(*model_, scorer, id_, {set}, eval_options());
  ASSERT_EQ(r.runs.size(), 2u);
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_NE(r.failed[0].error.find("broken.png"), std::string::npos);
  std::vector<LabeledImage> stream(ood_.begin(), ood_.end());  // the broken file is shuffled too
  stream.insert(stream.end(), id_.begin(), id_.end());
  for (const SetRun& run : r.runs) {
    const auto perm = ood::torch_randperm(static_cast<uint32_t>(stream.size()), run.seed);
    std::vector<std::string> want;
    for (uint32_t p : perm)
      if (stream[p].file != ood_.back().file) want.push_back(stream[p].file);
    std::vector<std::string> got;
    for (const auto& im : run.order) got.push_back(im.file);
    EXPECT_EQ(got, want);
    std::vector<double> id, ood;
    for (size_t i = 0; i < run.order.size(); ++i) (run.order[i].label == kOodLabel ? ood : id).push_back(run.scores[i].score);
    const OodMetrics m = ood_metrics(id, ood);
    EXPECT_DOUBLE_EQ(run.metrics.auroc, m.auroc);
    EXPECT_EQ(run.metrics.n_id, 24u);
    EXPECT_EQ(run.metrics.n_ood, 16u);
    EXPECT_TRUE(run.acc.has_value());
    EXPECT_EQ(run.trace.size(), 6u);  // 41 positions in batches of 8
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

// With the broken file readable, every other image keeps its place and its batch.
TEST_F(PipelineModel, AnUnreadableImageMovesNoOtherImageInTheStream) {
  ScorerOptions o = scorer_options();
  o.method = Method::neglabel;
  OodScorer scorer(*model_, demo_class_names(), o, nullptr);
  const OodSet set{"textures", "far", ood_};
  const EvalResult broken = run_eval(*model_, scorer, id_, {set}, eval_options());
  fs::copy_file(ood_[0].file, ood_.back().file, fs::copy_options::overwrite_existing);
  const EvalResult fixed = run_eval(*model_, scorer, id_, {set}, eval_options());
  ASSERT_TRUE(fixed.failed.empty());
  for (size_t k = 0; k < broken.runs.size(); ++k) {
    const SetRun &a = broken.runs[k], &b = fixed.runs[k];
    ASSERT_EQ(b.order.size(), a.order.size() + 1);
    size_t j = 0;
    for (size_t i = 0; i < b.order.size(); ++i) {
      if (b.order[i].file == ood_.back().file) continue;
      ASSERT_EQ(a.order[j].file, b.order[i].file);
      EXPECT_EQ(a.scores[j].score, b.scores[i].score);  // NegLabel: per image, same batch or not
      ++j;
    }
    EXPECT_EQ(a.trace.size(), b.trace.size());
  }
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
  std::vector<ImageEmbedding> batch = embed_image_files(*model_, {id_[0].file, id_[1].file, ood_[0].file},
                                                          eval_options().features);
  ScorerOptions o = scorer_options();
  o.method = Method::mcm;
  OodScorer mcm(*model_, demo_class_names(), o, nullptr);
  const auto a = mcm.score(batch);
  // MCM computed outside the scorer from the same features: the batch's image embeddings and the
  // ID prompts encoded by the model directly (not through the scorer's text cache).
  std::vector<std::string> prompts;
  for (const auto& c : demo_class_names()) prompts.push_back(apply_template(o.neglabel.id_template, c));
  const int dim = model_->info().embed_dim;
  const FeatureMatrix id_texts = model_->encode_texts(prompts);
  FeatureMatrix images{batch.size(), dim, {}};
  for (const auto& e : batch) {
    ASSERT_EQ(e.embedding.size(), static_cast<size_t>(dim)) << e.file << ": " << e.error;
    images.data.insert(images.data.end(), e.embedding.begin(), e.embedding.end());
  }
  const std::vector<float> want = mcm_scores(images, id_texts, model_->info().logit_scale);
  ASSERT_EQ(a.size(), want.size());
  o.method = Method::neglabel;
  OodScorer nl(*model_, demo_class_names(), o, nullptr);
  const auto b = nl.score(batch);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(a[i].score, want[i], 1e-5f) << i;
    EXPECT_FLOAT_EQ(a[i].score, a[i].prob);
    EXPECT_EQ(a[i].pred, b[i].pred);
    EXPECT_NE(a[i].score, b[i].score);
    EXPECT_GT(a[i].prob, 1.f / 4.f - 1e-6f);
  }
  EXPECT_EQ(nl.negatives(), 300u);
  o.detector.group_num = 20000;  // more groups than the 10,000 columns they split
  EXPECT_THROW(OodScorer(*model_, demo_class_names(), o, nullptr), Error);
  o.detector.group_num = 0;
  EXPECT_THROW(OodScorer(*model_, demo_class_names(), o, nullptr), Error);
  EXPECT_THROW(parse_method("odin"), Error);
}

// Scores `batch`-sized slices of `all` from `first` on.
std::vector<float> score_from(OodScorer& scorer, const std::vector<ImageEmbedding>& all, size_t first, size_t batch) {
  std::vector<float> out;
  for (size_t at = first; at < all.size(); at += batch) {
    const std::vector<ImageEmbedding> b(all.begin() + static_cast<std::ptrdiff_t>(at),
                                        all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), at + batch)));
    for (const auto& r : scorer.score(b)) out.push_back(r.error.empty() ? r.score : -1.f);
  }
  return out;
}

std::vector<std::string> files_of(const std::vector<LabeledImage>& images) {
  std::vector<std::string> f;
  for (const auto& im : images) f.push_back(im.file);
  return f;
}

TEST_F(PipelineModel, ACheckpointResumesWithTheScoresOfAnUninterruptedStream) {
  std::vector<LabeledImage> stream = ood_;
  stream.insert(stream.end(), id_.begin(), id_.end());
  const auto files = files_of(stream);
  const ImageEmbedOptions features = eval_options().features;
  const auto all = embed_image_files(*model_, files, features);
  constexpr size_t kBatch = 8, kStop = 24;

  test::FakeMllm m1, m2, m3, m4;
  OodScorer whole(*model_, demo_class_names(), scorer_options(), &m1);
  const auto want = score_from(whole, all, 0, kBatch);

  OodScorer before(*model_, demo_class_names(), scorer_options(), &m2);
  const std::vector<ImageEmbedding> head(all.begin(), all.begin() + kStop);
  score_from(before, head, 0, kBatch);
  ASSERT_FALSE(m2.describe_files.empty());  // the detector state is not the initial one
  const fs::path state = dir_ / "stream.state";
  const std::string setup = stream_setup(before, features, kBatch, files);
  save_checkpoint(state, {setup, kStop, 1234}, before);

  OodScorer after(*model_, demo_class_names(), scorer_options(), &m3);
  const auto at = load_checkpoint(state, stream_setup(after, features, kBatch, files), after);
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(at->consumed, kStop);
  EXPECT_EQ(at->output_bytes, 1234u);
  const auto rest = score_from(after, all, kStop, kBatch);
  EXPECT_EQ(rest, std::vector<float>(want.begin() + kStop, want.end()));

  OodScorer fresh(*model_, demo_class_names(), scorer_options(), &m4);  // without the state: other scores
  EXPECT_NE(score_from(fresh, all, kStop, kBatch), rest);
}

TEST_F(PipelineModel, ACheckpointOfAnotherSetupIsRefusedNamingWhatDiffers) {
  const auto files = files_of(id_);
  const ImageEmbedOptions features = eval_options().features;
  test::FakeMllm mllm;
  OodScorer scorer(*model_, demo_class_names(), scorer_options(), &mllm);
  const fs::path state = dir_ / "stream.state";
  EXPECT_FALSE(load_checkpoint(state, stream_setup(scorer, features, 8, files), scorer).has_value());
  save_checkpoint(state, {stream_setup(scorer, features, 8, files), 8, 0}, scorer);
  const auto refused = [&](OodScorer& other, size_t batch, const std::vector<std::string>& list) -> std::string {
    try {
      load_checkpoint(state, stream_setup(other, features, batch, list), other);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
      return e.what();
    }
    return "accepted";
  };
  EXPECT_NE(refused(scorer, 16, files).find("another batch size"), std::string::npos);
  EXPECT_NE(refused(scorer, 8, {files.begin(), files.end() - 1}).find("another list of inputs"), std::string::npos);
  ScorerOptions o = scorer_options();
  o.detector.mode = FusionMode::far_only;
  OodScorer far(*model_, demo_class_names(), o, &mllm);
  EXPECT_NE(refused(far, 8, files).find("another detector options"), std::string::npos);
  o = scorer_options();
  o.method = Method::neglabel;
  OodScorer nl(*model_, demo_class_names(), o, nullptr);
  EXPECT_NE(refused(nl, 8, files).find("another method"), std::string::npos);
  std::string bytes = core::read_file(state);
  core::write_file_atomic(state, bytes.substr(0, bytes.size() / 2));
  EXPECT_THROW(load_checkpoint(state, stream_setup(scorer, features, 8, files), scorer), Error);
  core::write_file_atomic(state, "not a state");
  EXPECT_THROW(load_checkpoint(state, stream_setup(scorer, features, 8, files), scorer), Error);
}

TEST_F(PipelineModel, StatelessMethodsCheckpointTheirPositionOnly) {
  ScorerOptions o = scorer_options();
  o.method = Method::mcm;
  OodScorer scorer(*model_, demo_class_names(), o, nullptr);
  const auto files = files_of(id_);
  const std::string setup = stream_setup(scorer, eval_options().features, 8, files);
  save_checkpoint(dir_ / "mcm.state", {setup, 16, 0}, scorer);
  const auto at = load_checkpoint(dir_ / "mcm.state", setup, scorer);
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(at->consumed, 16u);
}

// A state file of version 1 (before the envelope): magic | u32 1 | u64 n | n bytes of JSON | the
// payload, no checksum; the snapshot inside a state file is rewritten the same way.
std::string version1_of(const std::string& magic, std::string_view file) {
  const core::Envelope e = core::decode_envelope(file, {magic, 2, 0, "file"}, "");
  const std::string head = e.head.dump();
  const std::string payload = magic == "ANTSSTRM" && !e.payload.empty() ? version1_of("ANTSSNAP", e.payload)
                                                                         : std::string(e.payload);
  const uint32_t version = 1;
  const uint64_t n = head.size();
  std::string out = magic;
  out.append(reinterpret_cast<const char*>(&version), 4).append(reinterpret_cast<const char*>(&n), 8);
  return out + head + payload;
}

TEST_F(PipelineModel, ACheckpointOfVersion1ResumesLikeTheCurrentOne) {
  std::vector<LabeledImage> stream = ood_;
  stream.insert(stream.end(), id_.begin(), id_.end());
  const auto files = files_of(stream);
  const ImageEmbedOptions features = eval_options().features;
  const auto all = embed_image_files(*model_, files, features);
  constexpr size_t kBatch = 8, kStop = 24;
  test::FakeMllm m1, m2, m3;
  OodScorer before(*model_, demo_class_names(), scorer_options(), &m1);
  score_from(before, {all.begin(), all.begin() + kStop}, 0, kBatch);
  const std::string setup = stream_setup(before, features, kBatch, files);
  const fs::path state = dir_ / "stream.state", old = dir_ / "old.state";
  save_checkpoint(state, {setup, kStop, 1234}, before);
  core::write_file_atomic(old, version1_of("ANTSSTRM", core::read_file(state)));

  OodScorer from_new(*model_, demo_class_names(), scorer_options(), &m2);
  OodScorer from_old(*model_, demo_class_names(), scorer_options(), &m3);
  ASSERT_TRUE(load_checkpoint(state, stream_setup(from_new, features, kBatch, files), from_new));
  const auto at = load_checkpoint(old, stream_setup(from_old, features, kBatch, files), from_old);
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(at->consumed, kStop);
  EXPECT_EQ(at->output_bytes, 1234u);
  EXPECT_EQ(score_from(from_old, all, kStop, kBatch), score_from(from_new, all, kStop, kBatch));
}

TEST_F(PipelineModel, ACheckpointWithAFlippedByteIsAFormatErrorNamingTheFile) {
  const auto files = files_of(ood_);
  const ImageEmbedOptions features = eval_options().features;
  test::FakeMllm mllm;
  OodScorer scorer(*model_, demo_class_names(), scorer_options(), &mllm);
  score_from(scorer, embed_image_files(*model_, files, features), 0, 8);
  const fs::path state = dir_ / "stream.state";
  const std::string setup = stream_setup(scorer, features, 8, files);
  save_checkpoint(state, {setup, files.size(), 0}, scorer);
  std::string bytes = core::read_file(state);
  bytes[bytes.size() - 16 - 100] ^= 0x01;  // inside the payload: the detector snapshot
  core::write_file_atomic(state, bytes);
  try {
    load_checkpoint(state, setup, scorer);
    ADD_FAILURE() << "a corrupt state file was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::format);
    EXPECT_TRUE(std::string(e.what()).starts_with(state.string() + ": ")) << e.what();
  }
}

TEST_F(PipelineModel, ACorruptImageCacheEntryIsRecomputedAndRewritten) {
  const std::vector<std::string> files{id_[0].file, id_[1].file};
  const ImageEmbedOptions o = eval_options().features;
  const auto first = embed_image_files(*model_, files, o);
  const fs::path entry = fs::directory_iterator(dir_ / "cache" / "image-embeddings")->path();
  std::string bytes = core::read_file(entry);
  bytes[bytes.size() - 16 - 3] ^= 0x01;  // inside the embedding, just before the checksum
  core::write_file_atomic(entry, bytes);
  EmbedReport again_report, third_report;
  const auto again = embed_image_files(*model_, files, o, {}, &again_report);
  EXPECT_EQ(again_report.cache_hits, 1u);
  EXPECT_EQ(again_report.warnings.size(), 1u);  // the damaged entry is named, then recomputed
  for (size_t i = 0; i < files.size(); ++i) EXPECT_EQ(again[i].embedding, first[i].embedding) << i;
  embed_image_files(*model_, files, o, {}, &third_report);
  EXPECT_EQ(third_report.cache_hits, 2u);
}

TEST_F(PipelineModel, EvalRefusesDuplicateSetNamesForeignLabelsAndUnreadableSets) {
  OodScorer scorer(*model_, demo_class_names(), scorer_options(), nullptr);
  const OodSet set{"textures", "far", ood_};
  const auto message = [&](const std::vector<LabeledImage>& id, const std::vector<OodSet>& sets) -> std::string {
    try {
      run_eval(*model_, scorer, id, sets, eval_options());
    } catch (const Error& e) {
      return e.what();
    }
    return "accepted";
  };
  EXPECT_NE(message(id_, {set, set}).find("two OOD sets are named 'textures'"), std::string::npos);
  auto foreign = id_;
  foreign[3].label = 4;  // the demo has 4 classes
  EXPECT_NE(message(foreign, {set}).find("label 4 is not a class index"), std::string::npos);
  const OodSet broken{"broken", "near", {ood_.back()}};
  EXPECT_NE(message(id_, {set, broken}).find("OOD set 'broken': none of its images could be read"), std::string::npos);
}

TEST_F(PipelineModel, TheScorerSetupNamesModelClassesBankAndOptions) {
  OodScorer scorer(*model_, demo_class_names(), scorer_options(), nullptr);
  const auto j = nlohmann::json::parse(scorer.setup_json());
  EXPECT_EQ(j["method"], "ants");
  EXPECT_EQ(j["model"].get<std::string>().size(), 32u);
  EXPECT_EQ(j["n_classes"], 4);
  EXPECT_EQ(j["negatives"]["rows"], 300);
  EXPECT_EQ(j["detector"]["min_candidates"], 5);
  EXPECT_EQ(j["detector"]["mode"], "ada");
  OodScorer same(*model_, demo_class_names(), scorer_options(), nullptr);
  EXPECT_EQ(same.setup_json(), scorer.setup_json());
}

}  // namespace
}  // namespace ants
