// The OpenOOD evaluation protocol: stream order, unreadable images, the embedding cache, refusals.
#include <ants/pipeline.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "ood/randperm.h"
#include "pipeline-fixture.h"

namespace ants {
namespace {

namespace fs = std::filesystem;

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
  EXPECT_EQ(far, r.runs[0].trace.back().stats.far_rows);
}

// Stateless methods fuse nothing: their trace shows λ 0 (as trace.csv always has).
TEST_F(PipelineModel, TheTraceOfAStatelessMethodHasNoFusionWeight) {
  ScorerOptions o = scorer_options();
  o.method = Method::neglabel;
  OodScorer scorer(*model_, demo_class_names(), o, nullptr);
  EvalOptions eo = eval_options();
  eo.seeds = {0};
  const EvalResult r = run_eval(*model_, scorer, id_, {OodSet{"textures", "far", ood_}}, eo);
  ASSERT_FALSE(r.runs[0].trace.empty());
  for (const auto& t : r.runs[0].trace) EXPECT_EQ(t.stats.lambda, 0.f);
  EXPECT_EQ(r.runs[0].trace.back().stats.batches, static_cast<int64_t>(r.runs[0].trace.size()));
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


// The sharded pipeline's scoring stage: from cached image embeddings only. Missing ones are a
// configuration error naming how many and one of them, before any CLIP work; once cached, the
// results equal a normal eval's, and an unreadable image is an ordinary skipped image.
TEST_F(PipelineModel, EvalRequireCachedScoresOnlyFromTheCache) {
  OodScorer scorer(*model_, demo_class_names(), scorer_options(), nullptr);
  const OodSet set{"textures", "far", ood_};
  EvalOptions eo = eval_options();
  eo.features.require_cached = true;
  try {
    run_eval(*model_, scorer, id_, {set}, eo);
    ADD_FAILURE() << "an empty cache was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    const std::string what = e.what();
    const size_t readable = id_.size() + ood_.size() - 1;  // broken.png is not an image
    EXPECT_NE(what.find(std::to_string(readable) + " of " + std::to_string(readable + 1) +
                        " images are not in the embedding cache (e.g. "),
              std::string::npos)
        << what;
  }
  EXPECT_FALSE(fs::exists(eo.features.cache.dir / "image-embeddings"));  // nothing computed
  const EvalResult computed = run_eval(*model_, scorer, id_, {set}, eval_options());
  const EvalResult cached = run_eval(*model_, scorer, id_, {set}, eo);
  ASSERT_EQ(cached.runs.size(), computed.runs.size());
  for (size_t i = 0; i < cached.runs.size(); ++i) {
    EXPECT_EQ(cached.runs[i].metrics.auroc, computed.runs[i].metrics.auroc);
    EXPECT_EQ(cached.runs[i].scores.size(), computed.runs[i].scores.size());
  }
  EXPECT_EQ(cached.cache_hits, id_.size() + ood_.size() - 1);
  ASSERT_EQ(cached.failed.size(), 1u);
  EXPECT_NE(cached.failed[0].file.find("broken.png"), std::string::npos);
  eo.features.cache.enabled = false;
  EXPECT_THROW(run_eval(*model_, scorer, id_, {set}, eo), Error);
}

// The ID:OOD ratio protocol keeps the first of torch_randperm(n, seed) of the larger side, per
// seed, and the metrics count what was kept (the broken file is among the OOD images).
TEST_F(PipelineModel, EvalOodRatioKeepsTheRandpermChosenImagesOfEachSeed) {
  OodScorer scorer(*model_, demo_class_names(), scorer_options(), nullptr);
  const OodSet set{"textures", "far", ood_};
  auto expect_kept = [&](double ratio, const std::vector<LabeledImage>& side, size_t keep, bool ood_side) {
    EvalOptions eo = eval_options();
    eo.ood_ratio = ratio;
    const EvalResult r = run_eval(*model_, scorer, id_, {set}, eo);
    ASSERT_EQ(r.runs.size(), 2u);
    for (const SetRun& run : r.runs) {
      auto perm = ood::torch_randperm(static_cast<uint32_t>(side.size()), run.seed);
      perm.resize(keep);
      std::set<std::string> want;
      for (uint32_t i : perm)
        if (side[i].file != ood_.back().file) want.insert(side[i].file);  // the broken file is skipped
      std::set<std::string> got, other;
      for (const auto& im : run.order) ((im.label == kOodLabel) == ood_side ? got : other).insert(im.file);
      EXPECT_EQ(got, want) << "seed " << run.seed;
      EXPECT_EQ(other.size(), ood_side ? id_.size() : ood_.size() - 1) << "seed " << run.seed;
      EXPECT_EQ(ood_side ? run.metrics.n_ood : run.metrics.n_id, want.size());
    }
    EXPECT_NE(files_of(r.runs[0].order), files_of(r.runs[1].order));
  };
  expect_kept(0.5, ood_, 12, true);   // 0.5 x 24 ID images = 12 of the 17 OOD images
  expect_kept(2.0, id_, 9, false);    // 2 x 24 > 17: all OOD, round(17 / 2) = 9 ID images
  EvalOptions bad = eval_options();
  bad.ood_ratio = 0.01;  // rounds to no OOD image
  EXPECT_THROW(run_eval(*model_, scorer, id_, {set}, bad), Error);
  bad.ood_ratio = -1;
  EXPECT_THROW(run_eval(*model_, scorer, id_, {set}, bad), Error);
}

// The temporal-shift orders: one block of ID then one of OOD images (or the reverse), each in
// torch_randperm(block, seed) order of its list; the default shuffles them together.
TEST_F(PipelineModel, EvalOrderPutsEachBlockInItsSeedsOrder) {
  OodScorer scorer(*model_, demo_class_names(), scorer_options(), nullptr);
  const OodSet set{"textures", "far", ood_};
  auto order_of = [&](StreamOrder order) {
    EvalOptions eo = eval_options();
    eo.order = order;
    return run_eval(*model_, scorer, id_, {set}, eo);
  };
  // The block of `images` in torch_randperm order, without the unreadable file.
  auto block = [](const std::vector<LabeledImage>& images, uint32_t seed, const std::string& skip) {
    std::vector<std::string> out;
    for (uint32_t i : ood::torch_randperm(static_cast<uint32_t>(images.size()), seed))
      if (images[i].file != skip) out.push_back(images[i].file);
    return out;
  };
  const std::string broken = ood_.back().file;
  for (StreamOrder order : {StreamOrder::id_first, StreamOrder::ood_first}) {
    const EvalResult r = order_of(order);
    ASSERT_EQ(r.runs.size(), 2u);
    for (const SetRun& run : r.runs) {
      std::vector<std::string> want = block(order == StreamOrder::id_first ? id_ : ood_, run.seed, broken);
      const auto second = block(order == StreamOrder::id_first ? ood_ : id_, run.seed, broken);
      want.insert(want.end(), second.begin(), second.end());
      EXPECT_EQ(files_of(run.order), want) << stream_order_name(order) << " seed " << run.seed;
    }
    EXPECT_NE(files_of(r.runs[0].order), files_of(r.runs[1].order));
  }
  const EvalResult shuffled = order_of(StreamOrder::shuffle);
  const auto& mixed = shuffled.runs[0].order;
  int switches = 0;  // ID ↔ OOD changes along the stream: 1 for blocks, many when shuffled
  for (size_t i = 1; i < mixed.size(); ++i) switches += (mixed[i].label == kOodLabel) != (mixed[i - 1].label == kOodLabel);
  EXPECT_GT(switches, 5);
  EXPECT_EQ(parse_stream_order("ood-first"), StreamOrder::ood_first);
  EXPECT_EQ(parse_stream_order("far-then-near"), StreamOrder::far_then_near);
  EXPECT_THROW(parse_stream_order("near-first"), Error);
}

// --stream joint: per seed one stream of ID and every set, no resets; each set's run is that
// stream's ID images and its own OOD images. With a stateless method each image's score is the
// one a per-set stream gives, so the metrics must match the per-set protocol's.
TEST_F(PipelineModel, AJointStreamScoresEverySetOncePerSeed) {
  ScorerOptions so = scorer_options();
  so.method = Method::neglabel;
  OodScorer scorer(*model_, demo_class_names(), so, nullptr);
  const size_t half = ood_.size() / 2;  // the broken file is in the near half
  const std::vector<OodSet> sets{OodSet{"far-half", "far", {ood_.begin(), ood_.begin() + half}},
                                 OodSet{"near-half", "near", {ood_.begin() + half, ood_.end()}}};
  EvalOptions eo = eval_options();
  eo.stream = StreamKind::joint;
  const EvalResult joint = run_eval(*model_, scorer, id_, sets, eo);
  eo.stream = StreamKind::per_set;
  const EvalResult per_set = run_eval(*model_, scorer, id_, sets, eo);
  ASSERT_EQ(joint.runs.size(), 4u);  // set-major, then seed
  EXPECT_EQ(joint.scored, 2 * (id_.size() + ood_.size() - 1));  // each seed's stream once, ID images counted once
  EXPECT_EQ(per_set.scored, 2 * (2 * id_.size() + ood_.size() - 1));
  for (size_t k = 0; k < 2; ++k) {
    for (size_t i = 0; i < 2; ++i) {
      const SetRun &run = joint.runs[k * 2 + i], &other_set = joint.runs[(1 - k) * 2 + i];
      EXPECT_EQ(run.set, sets[k].name);
      EXPECT_EQ(run.metrics.n_id, id_.size());
      EXPECT_EQ(run.metrics.n_ood, k == 0 ? half : ood_.size() - half - 1);
      EXPECT_NEAR(run.metrics.auroc, per_set.runs[k * 2 + i].metrics.auroc, 1e-12) << run.set << " seed " << run.seed;
      EXPECT_NEAR(run.metrics.fpr95, per_set.runs[k * 2 + i].metrics.fpr95, 1e-12);
      // One stream: both sets see the same batches, 24 ID + 16 readable OOD in batches of 8.
      EXPECT_EQ(run.trace.size(), other_set.trace.size());
      EXPECT_EQ(run.trace.size(), 6u);
      std::vector<std::string> id_order, other_id_order;
      for (const auto& im : run.order)
        if (im.label != kOodLabel) id_order.push_back(im.file);
      for (const auto& im : other_set.order)
        if (im.label != kOodLabel) other_id_order.push_back(im.file);
      EXPECT_EQ(id_order, other_id_order);
    }
  }
  eo.stream = StreamKind::joint;
  eo.ood_ratio = 1.0;
  EXPECT_THROW(run_eval(*model_, scorer, id_, sets, eo), Error);
}

// near-then-far: the near sets' OOD images with their share of the ID images, then the far ones
// with the rest, each block shuffled; only a joint stream with both splits can take it.
TEST_F(PipelineModel, NearThenFarStreamsTheNearBlockFirst) {
  OodScorer scorer(*model_, demo_class_names(), scorer_options(), nullptr);
  const size_t half = ood_.size() / 2;
  const std::vector<OodSet> sets{OodSet{"far-half", "far", {ood_.begin(), ood_.begin() + half}},
                                 OodSet{"near-half", "near", {ood_.begin() + half, ood_.end()}}};
  EvalOptions eo = eval_options();
  eo.stream = StreamKind::joint;
  eo.order = StreamOrder::near_then_far;
  const EvalResult r = run_eval(*model_, scorer, id_, sets, eo);
  const std::set<std::string> near_files = [&] {
    std::set<std::string> f;
    for (const auto& im : sets[1].images) f.insert(im.file);
    return f;
  }();
  for (size_t i = 0; i < 2; ++i) {
    // The joint order, rebuilt from the two views: the near run holds the near block's images first.
    const SetRun& near_run = r.runs[2 + i];
    const size_t n_near = sets[1].images.size(), n_id = id_.size();
    const size_t id_in_first = static_cast<size_t>(std::llround(static_cast<double>(n_id * n_near) / static_cast<double>(ood_.size())));
    size_t seen_id = 0, seen_near = 0;
    for (const auto& im : near_run.order) {  // near images all come before the second block's ID images
      if (im.label == kOodLabel) {
        ++seen_near;
        EXPECT_TRUE(near_files.count(im.file));
        EXPECT_LE(seen_id, id_in_first) << "a near image after the first block";
      } else {
        ++seen_id;
      }
    }
    EXPECT_EQ(seen_near, n_near - 1);  // the broken file is skipped
    EXPECT_EQ(seen_id, n_id);
  }
  eo.stream = StreamKind::per_set;  // one set has one split: no two blocks
  EXPECT_THROW(run_eval(*model_, scorer, id_, sets, eo), Error);
}

// Every front end records a run the same way: the facts, the warnings, and metrics.json's object
// with or without writing it.
TEST_F(PipelineModel, EvalRunInfoRecordsTheFactsAndMetricsNeedNoFiles) {
  OodScorer scorer(*model_, demo_class_names(), scorer_options(), nullptr);
  EvalOptions eo = eval_options();
  eo.seeds = {0};
  const std::vector<OodSet> sets{OodSet{"textures", "far", ood_}};
  const EvalResult r = run_eval(*model_, scorer, id_, sets, eo);
  EvalFacts facts{"models/tiny", "demo", "openood", "", "ada", false, {}};
  const EvalRunInfo info = eval_run_info(*model_, scorer, facts);
  EXPECT_EQ(info.method, "ants");
  ASSERT_FALSE(info.warnings.empty());
  EXPECT_NE(info.warnings[0].find("= NegLabel"), std::string::npos);
  const auto run = nlohmann::json::parse(info.run_json);
  EXPECT_EQ(run["model"]["dir"], "models/tiny");
  EXPECT_EQ(run["n_classes"], demo_class_names().size());
  EXPECT_EQ(run["negatives"], 300);
  EXPECT_TRUE(run["mllm"].is_null());
  EXPECT_EQ(run["setup"], nlohmann::json::parse(scorer.setup_json()));
  const std::string metrics = eval_metrics_json(r, sets, eo, info);
  EXPECT_EQ(metrics, write_eval_outputs(dir_ / "out", r, sets, eo, info));
  EXPECT_EQ(nlohmann::json::parse(metrics), nlohmann::json::parse(core::read_file(dir_ / "out" / "metrics.json")));
  facts.mllm = true;
  facts.mllm_stats = MllmStats{};
  facts.mllm_stats->requests = 7;
  const EvalRunInfo with = eval_run_info(*model_, scorer, facts);
  EXPECT_EQ(nlohmann::json::parse(with.run_json)["mllm"]["requests"], 7);
  EXPECT_EQ(with.warnings.size() + 1, info.warnings.size());
}

}  // namespace
}  // namespace ants
