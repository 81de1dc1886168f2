// The ANTS state machine over scripted streams with the fake MLLM: the order of method.md §4.2.
#include <ants/detector.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <fstream>
#include <iterator>
#include <memory>

#include "core/file-envelope.h"
#include "core/file-util.h"
#include "fake-mllm.h"
#include "test-paths.h"

namespace ants {
namespace {

constexpr int kDim = 4;
constexpr float kScale = 10.f;

FeatureMatrix rows(std::vector<std::vector<float>> r) {
  FeatureMatrix m{r.size(), kDim, {}};
  for (auto& v : r) {
    double n = 0;
    for (float x : v) n += x * x;
    for (float x : v) m.data.push_back(static_cast<float>(x / std::sqrt(n)));
  }
  return m;
}

// 'I' = an image on class 0's text, 'J' on class 1's, 'O' on the negative label, 'H' halfway
// between class 0 and the negative label (base ≈ 0.5), 'K' halfway between class 1 and it.
struct Batch {
  FeatureMatrix images;
  std::vector<ImageRef> files;
};
Batch batch(const std::string& pattern, int id) {
  std::vector<std::vector<float>> r;
  Batch b;
  for (size_t i = 0; i < pattern.size(); ++i) {
    r.push_back(pattern[i] == 'I'   ? std::vector<float>{1, 0, 0, 0}
                : pattern[i] == 'J' ? std::vector<float>{0, 1, 0, 0}
                : pattern[i] == 'H' ? std::vector<float>{1, 0, 1, 0}
                : pattern[i] == 'K' ? std::vector<float>{0, 1, 1, 0}
                                    : std::vector<float>{0, 0, 1, 0});
    b.files.push_back(ImageRef::file("img-" + std::to_string(id) + "-" + std::to_string(i) + ".jpg"));
  }
  b.images = rows(r);
  return b;
}

// Every generated text lands between the negative label and a fourth direction.
FeatureMatrix encode(const std::vector<std::string>& texts) {
  return rows(std::vector<std::vector<float>>(texts.size(), {0, 0, 1, 1}));
}

DetectorOptions quick_options() {
  DetectorOptions o;
  o.min_candidates = 3;
  o.near_start_batch = 1000;  // VSNL off unless a test turns it on
  return o;
}

struct Fixture {
  test::FakeMllm mllm;
  AntsDetector det;
  explicit Fixture(DetectorOptions o, bool with_mllm = true)
      : det(rows({{1, 0, 0, 0}, {0, 1, 0, 0}}), rows({{0, 0, 1, 0}}), kScale, {"cat", "dog"}, encode,
            with_mllm ? &mllm : nullptr, o) {}
  std::vector<DetectorScore> run(const std::string& pattern, int id) {
    Batch b = batch(pattern, id);
    return det.process(b.images, b.files);
  }
};

TEST(AntsDetector, WithoutAnMllmItIsNegLabel) {
  Fixture f(quick_options(), false);
  for (int t = 1; t <= 4; ++t) {
    Batch b = batch("IOJOOI", t);
    const auto out = f.det.process(b.images, b.files);
    const auto base = neglabel_scores(b.images, rows({{1, 0, 0, 0}, {0, 1, 0, 0}}), rows({{0, 0, 1, 0}}), kScale);
    for (size_t i = 0; i < out.size(); ++i) {
      EXPECT_FLOAT_EQ(out[i].score, base[i]);
      EXPECT_EQ(out[i].far, out[i].base);
      EXPECT_EQ(out[i].near, out[i].base);
    }
  }
  EXPECT_EQ(f.det.stats().far_rows, 0u);
}

TEST(AntsDetector, CandidatesAccumulateUntilMoreThanTheMinimum) {
  Fixture f(quick_options());
  const auto b1 = f.run("IOOI", 1);
  EXPECT_EQ(f.det.stats().pending_candidates, 2u);  // base < γ0 = 0.8 for the two OOD images
  EXPECT_TRUE(f.mllm.describe_files.empty());       // 2 ≤ 3: no update yet
  for (const auto& s : b1) EXPECT_EQ(s.far, s.base);
  const auto b2 = f.run("OOIJ", 2);
  ASSERT_EQ(f.mllm.describe_files.size(), 1u);  // 4 > 3: one ENS update, in this batch
  EXPECT_EQ(f.mllm.describe_files[0],
            (std::vector<std::filesystem::path>{"img-1-1.jpg", "img-1-2.jpg", "img-2-0.jpg", "img-2-1.jpg"}));
  EXPECT_EQ(f.mllm.describe_classes[0], (std::vector<std::string>{"cat", "cat", "cat", "cat"}));
  const DetectorStats st = f.det.stats();
  EXPECT_EQ(st.ens_updates, 1);
  EXPECT_EQ(st.pending_candidates, 0u);
  EXPECT_EQ(st.far_rows, 4u);
  // The bank already scores the batch that triggered it: 4 rows at cos 1/√2 to the OOD image.
  EXPECT_NEAR(b2[0].far, 2 / (2 + 4 * std::exp(kScale / std::sqrt(2.0))), 1e-7);
  EXPECT_EQ(f.det.far_labels(), (std::vector<std::string>{"photo of img-1-1", "photo of img-1-2", "photo of img-2-0",
                                                           "photo of img-2-1"}));
  // γ = the η-percentile of the history below the jump edge = the OOD images' score; the next
  // batch's identical OOD image is not strictly below it.
  EXPECT_FLOAT_EQ(st.gamma, b1[1].base);
  f.run("O", 3);
  EXPECT_EQ(f.det.stats().pending_candidates, 0u);
}

TEST(AntsDetector, NoCandidatesWithoutFilesOrAfterTheLastUpdate) {
  DetectorOptions o = quick_options();
  o.ens_stop_step = 1;
  Fixture f(o);
  Batch b = batch("OOOO", 1);
  f.det.process(b.images);  // no files: nothing to describe
  EXPECT_EQ(f.det.stats().pending_candidates, 0u);
  f.run("OOOO", 2);
  EXPECT_EQ(f.det.stats().ens_updates, 1);
  f.run("OOOO", 3);
  EXPECT_EQ(f.det.stats().pending_candidates, 0u);  // E_max reached
  EXPECT_EQ(f.mllm.describe_files.size(), 1u);
}

TEST(AntsDetector, EnsBankKeepsTheOldestRowsOnOverflow) {  // method.md §4.4, §8.5
  DetectorOptions o = quick_options();
  o.queue_cap = 6;
  Fixture f(o);
  f.run("HHHH", 1);  // update 1: 4 rows; γ becomes ≈ 0.5
  f.run("OOOO", 2);  // update 2: 4 new rows first, then the last 6 kept
  EXPECT_EQ(f.det.far_labels(), (std::vector<std::string>{"photo of img-2-2", "photo of img-2-3", "photo of img-1-0",
                                                           "photo of img-1-1", "photo of img-1-2", "photo of img-1-3"}));
}

TEST(AntsDetector, MissingAndRepeatedDescriptionsAreSkipped) {
  Fixture f(quick_options());
  f.mllm.describe_fn = [](const std::filesystem::path& p, const std::string&) -> std::optional<std::string> {
    if (p.stem() == "img-1-0") return std::nullopt;
    return p.stem() == "img-1-1" ? "A Red Fox." : "a red  fox";
  };
  f.run("OOOO", 1);
  EXPECT_EQ(f.det.far_labels(), std::vector<std::string>{"A Red Fox"});
  EXPECT_EQ(f.det.stats().describe_failures, 1);
  EXPECT_EQ(f.det.stats().describe_requests, 4);
}

TEST(AntsDetector, AThrowingMllmNeverStopsTheStream) {
  DetectorOptions o = quick_options();
  o.near_start_batch = 1;
  o.near_interval = 1;
  Fixture f(o);
  f.mllm.throw_everything = true;
  for (int t = 1; t <= 3; ++t) {
    const auto out = f.run("OOOOI", t);
    for (const auto& s : out) EXPECT_EQ(s.score, s.base);
  }
  EXPECT_EQ(f.det.stats().ens_updates, 1);  // the update happened, with nothing to add
  EXPECT_EQ(f.det.stats().describe_failures, 4);
  EXPECT_GT(f.det.stats().similar_failures, 0);
}

// Late answers of the stream before a reset (or a restore) are dropped, not mixed into the next one.
TEST(AntsDetector, ResetAndRestoreDropTheLateAnswersOfTheStreamBefore) {
  Fixture f(quick_options());
  f.mllm.describe_fn = [](const std::filesystem::path&, const std::string&) { return std::nullopt; };
  f.run("OOOOI", 1);
  const std::filesystem::path snap = test::temp_dir() / "fresh.ants";
  f.det.reset();
  f.det.snapshot(snap);
  f.mllm.late.descriptions = {"a late boat."};
  f.det.reset();
  f.run("OOOI", 1);
  EXPECT_TRUE(f.det.far_labels().empty());
  f.mllm.late.descriptions = {"a late boat."};
  f.det.restore(snap);
  f.run("OOOI", 1);
  EXPECT_TRUE(f.det.far_labels().empty());
}

// An asynchronous MLLM answers after describe()/similar() returned: its late answers reach the
// banks at the start of the next batch, and score that batch.
TEST(AntsDetector, LateAnswersLandAtTheNextBatch) {
  Fixture f(quick_options());
  f.mllm.describe_fn = [](const std::filesystem::path&, const std::string&) { return std::nullopt; };  // in flight
  f.run("OOOOI", 1);  // 4 candidates > 3: the ENS update asks, nothing comes back yet
  ASSERT_EQ(f.det.stats().ens_updates, 1);
  EXPECT_EQ(f.det.stats().far_rows, 0u);
  f.mllm.late.descriptions = {"a late boat.", "A late boat", "  "};
  f.mllm.late.similar = {{"dog", {"wolf", "Wolf", "coyote"}}, {"no such class", {"x"}}};
  const auto out = f.run("OOOI", 2);
  EXPECT_EQ(f.mllm.polls, 2);
  EXPECT_EQ(f.det.far_labels(), std::vector<std::string>{"a late boat"});
  EXPECT_EQ(f.det.near_labels(), (std::vector<std::string>{"wolf", "coyote"}));
  EXPECT_EQ(f.det.stats().ens_updates, 1);  // late answers are not an update
  for (size_t i = 0; i < 3; ++i) {  // this batch's OOD images are already scored against them
    EXPECT_NE(out[i].far, out[i].base);
    EXPECT_NE(out[i].near, out[i].base);
  }
  const auto again = f.run("OOOI", 3);  // nothing new: banks unchanged
  EXPECT_EQ(f.det.stats().far_rows, 1u);
  EXPECT_FLOAT_EQ(again[0].far, out[0].far);
}

TEST(AntsDetector, AThrowingPollIsIgnored) {
  Fixture f(quick_options());
  f.mllm.throw_everything = true;
  EXPECT_NO_THROW(f.run("OOI", 1));
  EXPECT_EQ(f.det.stats().far_rows, 0u);
}

TEST(AntsDetector, VsnlScheduleCacheAndRetry) {  // method.md §4.6, §8.5
  DetectorOptions o = quick_options();
  o.near_start_batch = 2;
  o.near_interval = 3;
  o.similar_limit = 1;
  o.ens_stop_step = 0;
  Fixture f(o);
  int calls_for_dog = 0;
  f.mllm.similar_fn = [&](const std::string& c) -> std::optional<std::vector<std::string>> {
    if (c == "dog" && calls_for_dog++ == 0) return std::nullopt;  // first answer for dog is lost
    return std::vector<std::string>{c + " twin", c + " twin.", c + " cousin"};
  };
  f.run("II", 1);  // batch 1: not an update batch
  EXPECT_TRUE(f.mllm.similar_calls.empty());
  const auto b2 = f.run("I", 2);  // batch 2 = t0: top-1 = cat
  ASSERT_EQ(f.mllm.similar_calls.size(), 1u);
  EXPECT_EQ(f.mllm.similar_calls[0], std::vector<std::string>{"cat"});
  EXPECT_EQ(f.det.near_labels(), (std::vector<std::string>{"cat twin", "cat cousin"}));
  EXPECT_NE(b2[0].near, b2[0].base);
  f.run("JJJJ", 3);
  f.run("JJ", 4);
  EXPECT_EQ(f.mllm.similar_calls.size(), 1u);  // 3, 4 are not update batches
  f.run("J", 5);  // 2 + 3: dog is now the most frequent; its answer is lost → not cached
  ASSERT_EQ(f.mllm.similar_calls.size(), 2u);
  EXPECT_EQ(f.mllm.similar_calls[1], std::vector<std::string>{"dog"});
  EXPECT_TRUE(f.det.near_labels().empty());  // cat was evicted, dog has no labels
  EXPECT_EQ(f.det.stats().near_rows, 0u);
  f.run("J", 6);
  f.run("J", 7);
  f.run("J", 8);  // asked again
  ASSERT_EQ(f.mllm.similar_calls.size(), 3u);
  EXPECT_EQ(f.det.near_labels(), (std::vector<std::string>{"dog twin", "dog cousin"}));
  f.run("J", 9);
  f.run("J", 10);
  f.run("J", 11);  // dog cached: the MLLM is not asked again
  EXPECT_EQ(f.mllm.similar_calls.size(), 3u);
  EXPECT_EQ(f.det.stats().vsnl_updates, 4);
}

TEST(AntsDetector, NoVsnlWhenTheMllmCannotSuggest) {
  DetectorOptions o = quick_options();
  o.near_start_batch = 1;
  Fixture f(o);
  f.mllm.can_suggest = false;
  f.run("II", 1);
  EXPECT_TRUE(f.mllm.similar_calls.empty());
  EXPECT_EQ(f.det.stats().vsnl_updates, 0);
}

TEST(AntsDetector, ModesAndLambda) {
  for (FusionMode mode : {FusionMode::far_only, FusionMode::near_only, FusionMode::ada}) {
    DetectorOptions o = quick_options();
    o.mode = mode;
    o.near_start_batch = 1;
    o.near_interval = 1;
    Fixture f(o);
    std::vector<DetectorScore> out;
    for (int t = 1; t <= 3; ++t) out = f.run("OOIJO", t);
    for (const auto& s : out) {
      const float expected = mode == FusionMode::far_only    ? s.far
                             : mode == FusionMode::near_only ? s.near
                                                             : s.lambda * s.far + (1 - s.lambda) * s.near;
      EXPECT_NEAR(s.score, expected, 1e-6);
    }
    if (mode == FusionMode::ada) {
      EXPECT_GT(out[0].lambda, 0.f);
      EXPECT_LT(out[0].lambda, 1.f);
      EXPECT_EQ(out[0].lambda, f.det.stats().lambda);
    }
  }
}

TEST(AntsDetector, NegLabelInitialisedBankIsFrozen) {  // method.md §4.11
  DetectorOptions o = quick_options();
  o.neglabel_init = true;
  o.queue_cap = 1;
  Fixture f(o);
  EXPECT_EQ(f.det.stats().far_rows, 1u);
  f.run("OOOO", 1);
  EXPECT_EQ(f.det.stats().ens_updates, 1);
  EXPECT_EQ(f.det.far_labels(), std::vector<std::string>{"neglabel:0"});  // new rows dropped at once
}

TEST(AntsDetector, SnapshotRestoreContinuesIdentically) {
  DetectorOptions o = quick_options();
  o.near_start_batch = 1;
  o.near_interval = 2;
  o.activation_aware = true;
  Fixture a(o), b(o);
  for (int t = 1; t <= 3; ++t) a.run("OOIJOI", t);
  const auto path = test::temp_dir() / "state.ants";
  a.det.snapshot(path);
  b.det.restore(path);
  for (int t = 4; t <= 6; ++t) {
    const auto x = a.run("OJOIOO", t), y = b.run("OJOIOO", t);
    for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(x[i].score, y[i].score) << "batch " << t << " image " << i;
  }
  EXPECT_EQ(a.det.far_labels(), b.det.far_labels());
  EXPECT_EQ(a.det.stats().gamma, b.det.stats().gamma);
}

// The state of the ablation options (mined-prediction counts, seed, noise draws) continues too.
TEST(AntsDetector, SnapshotRestoreContinuesRatioSelectionAndIdNoise) {
  DetectorOptions o = quick_options();
  o.near_start_batch = 1;
  o.near_interval = 1;
  o.near_select = NearSelect::ratio;
  o.near_ratio = 0.5;
  o.threshold_rule = ThresholdRule::fixed;
  o.ens_id_noise = 0.5;
  Fixture a(o), b(o);
  a.det.reset(11);
  a.run("KKKOI", 1);  // mined: dog (K ×3) leads cat (O); dog is asked and cached
  b.det.restore_bytes(a.det.snapshot_bytes(), "ratio-noise.snap");
  for (int t = 2; t <= 3; ++t) {
    const auto x = a.run("HHHOOI", t), y = b.run("HHHOOI", t);
    for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(x[i].score, y[i].score) << "batch " << t << " image " << i;
  }
  // Batch 2: cat (H, O) overtakes dog among the mined in both; b asks from batch 2 on.
  EXPECT_EQ(a.mllm.similar_calls, (std::vector<std::vector<std::string>>{{"dog"}, {"cat"}}));
  EXPECT_EQ(b.mllm.similar_calls, (std::vector<std::vector<std::string>>{{"cat"}}));
  EXPECT_EQ(a.det.far_labels(), b.det.far_labels());  // the same noise draws after the restore
  EXPECT_EQ(a.det.stats().ens_updates, 3);
}

TEST(AntsDetector, RestoreRefusesAnotherSetupAndCorruptFiles) {
  Fixture a(quick_options());
  a.run("OOOO", 1);
  const auto path = test::temp_dir() / "state.ants";
  a.det.snapshot(path);
  AntsDetector other(rows({{1, 0, 0, 0}, {0, 1, 0, 0}}), rows({{0, 0, 0, 1}}), kScale, {"cat", "dog"}, encode, nullptr,
                     quick_options());
  EXPECT_THROW(other.restore(path), Error);
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  for (size_t cut : {size_t{4}, size_t{20}, bytes.size() - 3}) {
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(cut));
    try {
      a.det.restore(path);
      ADD_FAILURE() << "a snapshot cut at " << cut << " bytes was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    }
  }
}

TEST(AntsDetector, AFlippedPayloadByteIsAFormatErrorNamingTheFile) {
  Fixture a(quick_options());
  a.run("OOOO", 1);
  ASSERT_GT(a.det.stats().far_rows, 0u);
  const auto path = test::temp_dir() / "state.ants";
  a.det.snapshot(path);
  std::string bytes = core::read_file(path);
  bytes[bytes.size() - 16 - 5] ^= 0x01;  // inside the last bank row, just before the checksum
  core::write_file_atomic(path, bytes);
  try {
    a.det.restore(path);
    ADD_FAILURE() << "a corrupt snapshot was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::format);
    EXPECT_TRUE(std::string(e.what()).starts_with(path.string() + ": ")) << e.what();
    EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
  }
}

// A snapshot with a valid checksum whose state breaks what the detector relies on (found by the
// snapshot fuzz target: a class index past the class list read out of bounds in the next batch)
// is refused as corrupt, and the detector keeps its own state.
TEST(AntsDetector, RestoreRefusesAnInconsistentStateBehindAValidChecksum) {
  Fixture a(quick_options());
  a.run("OOIJ", 1);
  const core::EnvelopeFormat format{"ANTSSNAP", 2, 1, "snapshot"};
  const std::string good = a.det.snapshot_bytes();
  const core::Envelope env = core::decode_envelope(good, format, "snapshot");
  const std::vector<std::pair<std::string, nlohmann::json>> breaks = {
      {"/state/pred_order", {0, 7}},       {"/state/pred_order", {0, 0}},
      {"/state/pred_counts", {-1, 2, 0}},  {"/state/cand_preds", {9}},
      {"/state/t", -3},                    {"/state/far_rows", 1u << 20},
      {"/state/cache", {{{"class", 5}, {"labels", {"tiger"}}}}},
      {"/state/mined_pred_order", {3}},   {"/state/mined_pred_counts", {0, -2}},
      {"/state/noise_draws", -1}};
  for (const auto& [pointer, value] : breaks) {
    nlohmann::json head = env.head;
    head[nlohmann::json::json_pointer(pointer)] = value;
    try {
      a.det.restore_bytes(core::encode_envelope(format, head, env.payload), "hand-made.snap");
      ADD_FAILURE() << pointer << " = " << value.dump() << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::format) << e.what();
      EXPECT_TRUE(std::string(e.what()).starts_with("hand-made.snap: ")) << e.what();
    }
  }
  EXPECT_EQ(a.det.snapshot_bytes(), good);
  a.run("OIOJ", 2);
}

// With --neglabel-init the ENS bank starts as the whole NegLabel bank, which may exceed the
// capacity: such a snapshot is the detector's own and must restore.
TEST(AntsDetector, ANegLabelInitialisedBankLargerThanTheCapacityRestores) {
  DetectorOptions o = quick_options();
  o.neglabel_init = true;
  o.queue_cap = 2;
  o.group_num = 1;
  const FeatureMatrix negatives = rows({{0, 0, 1, 0}, {0, 0, 0, 1}, {0, 0, 0.6f, 0.8f}});
  AntsDetector a(rows({{1, 0, 0, 0}, {0, 1, 0, 0}}), negatives, kScale, {"cat", "dog"}, encode, nullptr, o);
  AntsDetector b(rows({{1, 0, 0, 0}, {0, 1, 0, 0}}), negatives, kScale, {"cat", "dog"}, encode, nullptr, o);
  ASSERT_EQ(a.stats().far_rows, 3u);
  b.restore_bytes(a.snapshot_bytes(), "neglabel-init.snap");
  EXPECT_EQ(b.stats().far_rows, 3u);
  EXPECT_EQ(b.snapshot_bytes(), a.snapshot_bytes());
}

// File names are bytes: a pending ENS candidate whose name is not UTF-8 is described after a
// restore under exactly its own name, and the label made from it survives the next snapshot.
TEST(AntsDetector, SnapshotsKeepFileNamesThatAreNotUtf8ByteExactly) {
  const std::filesystem::path odd = "img-\xff\xfe.png";
  Fixture a(quick_options()), b(quick_options()), c(quick_options());
  Batch first = batch("IOOI", 1);
  first.files[1] = odd;
  a.det.process(first.images, first.files);
  ASSERT_EQ(a.det.stats().pending_candidates, 2u);
  const auto path = test::temp_dir() / "state.ants";
  a.det.snapshot(path);
  b.det.restore(path);
  a.run("OOIJ", 2);
  b.run("OOIJ", 2);
  ASSERT_EQ(b.mllm.describe_files.size(), 1u);
  EXPECT_EQ(b.mllm.describe_files[0], a.mllm.describe_files[0]);
  EXPECT_EQ(b.mllm.describe_files[0][0].string(), odd.string());
  b.det.snapshot(path);
  c.det.restore(path);
  EXPECT_EQ(c.det.far_labels(), a.det.far_labels());
  EXPECT_EQ(c.det.far_labels()[0], "photo of img-\xff\xfe");
}

TEST(AntsDetector, CandidatesHeldInMemoryReachTheMllmWithTheirBytesAndSnapshotsKeepTheirNames) {
  Fixture a(quick_options()), b(quick_options());
  Batch first = batch("IOOI", 1);
  first.files[1] = ImageRef::memory("encoded bytes 1", "upload-1");
  first.files[2] = ImageRef::memory("encoded bytes 2", "upload-2");
  a.det.process(first.images, first.files);
  const auto path = test::temp_dir() / "state.ants";
  a.det.snapshot(path);
  b.det.restore(path);
  a.run("OOIJ", 2);
  b.run("OOIJ", 2);
  ASSERT_EQ(a.mllm.describe_refs.size(), 1u);
  ASSERT_EQ(b.mllm.describe_refs.size(), 1u);
  const ImageRef& live = a.mllm.describe_refs[0][0];
  const ImageRef& restored = b.mllm.describe_refs[0][0];
  ASSERT_TRUE(live.bytes);
  EXPECT_EQ(*live.bytes, "encoded bytes 1");
  EXPECT_EQ(restored.name, "upload-1");
  EXPECT_FALSE(restored.bytes);  // a snapshot keeps no image bytes, only the handle
  EXPECT_EQ(restored.content_hash(), ImageRef::memory("encoded bytes 1", "x").content_hash());
  EXPECT_EQ(b.mllm.describe_refs[0][1].name, "upload-2");
}

TEST(AntsDetector, ClassNamesThatAreNotUtf8AreMatchedByteExactly) {
  const auto detector = [](std::string name) {
    return std::make_unique<AntsDetector>(rows({{1, 0, 0, 0}, {0, 1, 0, 0}}), rows({{0, 0, 1, 0}}), kScale,
                                          std::vector<std::string>{std::move(name), "dog"}, encode, nullptr,
                                          quick_options());
  };
  const auto path = test::temp_dir() / "state.ants";
  detector("caf\xe9")->snapshot(path);  // Latin-1
  EXPECT_NO_THROW(detector("caf\xe9")->restore(path));
  EXPECT_THROW(detector("caf\xc3\xa9")->restore(path), Error);  // the UTF-8 spelling is another class
  EXPECT_THROW(detector("caf\xef\xbf\xbd")->restore(path), Error);  // and so is its U+FFFD repair
}

// Version 1 snapshots (before the envelope: "ANTSSNAP" | u32 1 | u64 n | n bytes of JSON | bank
// rows, no checksum) still resume their stream.
const DetectorOptions& resume_options() {
  static const DetectorOptions o = [] {
    DetectorOptions d = quick_options();
    d.near_start_batch = 1;
    d.near_interval = 2;
    d.activation_aware = true;
    d.min_candidates = 20;  // candidates stay pending across the snapshot; ENS updates after it
    return d;
  }();
  return o;
}

std::string version1_of(const std::string& snapshot) {
  const core::Envelope e = core::decode_envelope(snapshot, {"ANTSSNAP", 2, 0, "snapshot"}, "");
  const std::string head = e.head.dump();
  const uint32_t version = 1;
  const uint64_t n = head.size();
  std::string out = "ANTSSNAP";
  out.append(reinterpret_cast<const char*>(&version), 4).append(reinterpret_cast<const char*>(&n), 8);
  return out + head + std::string(e.payload);
}

TEST(AntsDetector, RestoresTheVersion1LayoutAndContinuesIdentically) {
  Fixture a(resume_options()), b(resume_options());
  for (int t = 1; t <= 3; ++t) a.run("OOIJOI", t);
  ASSERT_EQ(a.det.stats().pending_candidates, 9u);
  b.det.restore_bytes(version1_of(a.det.snapshot_bytes()), "old.ants");
  for (int t = 4; t <= 6; ++t) {
    const auto x = a.run("OJOIOO", t), y = b.run("OJOIOO", t);
    for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(x[i].score, y[i].score) << "batch " << t << " image " << i;
  }
  EXPECT_EQ(b.mllm.describe_files, a.mllm.describe_files);
  EXPECT_EQ(b.det.far_labels(), a.det.far_labels());
}

// tests/data/detector-snapshot-v1.ants was written by AntsDetector::snapshot before the envelope
// (commit 2168ab3) after the first three batches of the stream above; it resumes that stream.
// Tolerances, not equality: its floats come from another build, whose SIMD level may differ.
TEST(AntsDetector, RestoresAVersion1FileWrittenBeforeTheEnvelope) {
  Fixture a(resume_options()), b(resume_options());
  for (int t = 1; t <= 3; ++t) a.run("OOIJOI", t);
  b.det.restore(std::filesystem::path(ANTS_SOURCE_DIR) / "tests/data/detector-snapshot-v1.ants");
  const DetectorStats sa = a.det.stats(), sb = b.det.stats();
  EXPECT_EQ(sb.batches, 3);
  EXPECT_EQ(sb.pending_candidates, sa.pending_candidates);
  EXPECT_EQ(sb.near_rows, sa.near_rows);
  EXPECT_NEAR(sb.lambda, sa.lambda, 1e-6);
  for (int t = 4; t <= 6; ++t) {
    const auto x = a.run("OJOIOO", t), y = b.run("OJOIOO", t);
    for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i].score, y[i].score, 1e-5) << "batch " << t << " image " << i;
  }
  ASSERT_EQ(b.mllm.describe_files.size(), 1u);  // the restored candidates were described
  EXPECT_EQ(b.mllm.describe_files, a.mllm.describe_files);
  EXPECT_EQ(b.det.far_labels(), a.det.far_labels());
}

TEST(AntsDetector, ResetRestoresTheInitialState) {
  Fixture f(quick_options());
  std::vector<DetectorScore> first;
  for (int t = 1; t <= 3; ++t) {
    auto out = f.run("OOIJ", t);
    if (t == 1) first = out;
  }
  f.det.reset();
  EXPECT_EQ(f.det.stats().batches, 0);
  EXPECT_EQ(f.det.stats().far_rows, 0u);
  const auto again = f.run("OOIJ", 1);
  for (size_t i = 0; i < first.size(); ++i) EXPECT_EQ(first[i].score, again[i].score);
}

TEST(AntsDetector, BadShapesAreClearErrors) {
  Fixture f(quick_options());
  FeatureMatrix wrong{1, 3, {1, 0, 0}};
  EXPECT_THROW(f.det.process(wrong), Error);
  Batch b = batch("II", 1);
  b.files.pop_back();
  EXPECT_THROW(f.det.process(b.images, b.files), Error);
  EXPECT_THROW(AntsDetector(rows({{1, 0, 0, 0}}), rows({{0, 0, 1, 0}}), kScale, {"a", "b"}, encode, nullptr), Error);
}

}  // namespace
}  // namespace ants

namespace ants {
namespace {

TEST(AntsDetector, PaperLambdaAveragesPlainScoresOfMinedImagesOnly) {
  DetectorOptions o = quick_options();
  o.lambda_rule = LambdaRule::paper;
  o.near_start_batch = 1;
  o.near_interval = 1;
  Fixture f(o);
  double far_sum = 0, near_sum = 0;
  int mined = 0;
  for (int t = 1; t <= 4; ++t) {
    const float gamma = f.det.stats().gamma;  // the threshold the batch is mined with
    const auto out = f.run(t % 2 ? "HOIJO" : "OHHIJ", t);
    for (const auto& s : out) {
      if (s.base < gamma) far_sum += s.far, near_sum += s.near, ++mined;
    }
    ASSERT_GT(mined, 0);
    const double a = 1 - far_sum / mined, b = 1 - near_sum / mined;
    for (const auto& s : out) EXPECT_NEAR(s.lambda, a / (a + b), 1e-6) << "batch " << t;
  }
}

TEST(AntsDetector, PaperThresholdRule) {
  DetectorOptions o = quick_options();
  o.threshold_rule = ThresholdRule::paper;
  o.eta = 0.5f;
  Fixture f(o);
  const auto out = f.run("HHOO", 1);  // 4 candidates > 3: update; below γ0: H, H, O, O
  // The lowest half of the scores below γ0 are the two OOD images: γ* = their score.
  EXPECT_FLOAT_EQ(f.det.stats().gamma, out[2].base);
}

}  // namespace
}  // namespace ants

// The ablation options of the paper (issue 16): each pinned on a scripted stream.
namespace ants {
namespace {

// Table 3 row A: γ stays γ0 while ENS still mines and fires; the candidates of every update are
// exactly the images whose NegLabel score is below γ0 (computed here with neglabel_scores).
TEST(AntsDetector, FixedThresholdKeepsGamma0AndMinesBelowIt) {
  const std::vector<std::string> stream = {"HHOO", "HIOJH", "OOIJ"};
  auto run = [&](ThresholdRule rule) {
    DetectorOptions o = quick_options();
    o.threshold_rule = rule;
    Fixture f(o);
    for (size_t t = 0; t < stream.size(); ++t) f.run(stream[t], static_cast<int>(t + 1));
    return std::make_pair(f.mllm.describe_files, f.det.stats());
  };
  const auto [fixed_files, fixed_stats] = run(ThresholdRule::fixed);
  EXPECT_EQ(fixed_stats.gamma, 0.8f);
  EXPECT_EQ(fixed_stats.ens_updates, 2);
  std::vector<std::filesystem::path> expected;
  for (size_t t = 0; t < stream.size(); ++t) {
    const Batch b = batch(stream[t], static_cast<int>(t + 1));
    const auto base = neglabel_scores(b.images, rows({{1, 0, 0, 0}, {0, 1, 0, 0}}), rows({{0, 0, 1, 0}}), kScale);
    for (size_t i = 0; i < base.size(); ++i)
      if (base[i] < 0.8f) expected.push_back(b.files[i].path);
  }
  std::vector<std::filesystem::path> sent;
  for (const auto& call : fixed_files) sent.insert(sent.end(), call.begin(), call.end());
  EXPECT_EQ(sent, expected);
  // The HEAD rule lowers γ after the first update, so the same stream mines fewer images.
  const auto [head_files, head_stats] = run(ThresholdRule::head);
  EXPECT_LT(head_stats.gamma, 0.8f);
  size_t head_sent = 0;
  for (const auto& call : head_files) head_sent += call.size();
  EXPECT_LT(head_sent, sent.size());
}

// The VSNL classes of each update under --near-select, recorded by the fake MLLM.
std::vector<std::vector<std::string>> similar_calls(NearSelect select, float ratio, const std::vector<std::string>& stream,
                                                    size_t top = 40) {
  DetectorOptions o = quick_options();
  o.ens_stop_step = 0;  // γ stays γ0: the mined images are those below 0.8
  o.near_start_batch = 1;
  o.near_interval = 1;
  o.near_select = select;
  if (select == NearSelect::ratio) o.near_ratio = ratio;
  o.similar_limit = top;
  Fixture f(o);
  // No answer: nothing is cached, so every update asks for all of its classes again.
  f.mllm.similar_fn = [](const std::string&) -> std::optional<std::vector<std::string>> { return std::nullopt; };
  for (size_t t = 0; t < stream.size(); ++t) f.run(stream[t], static_cast<int>(t + 1));
  return f.mllm.similar_calls;
}

// Eq. 10–11: the round(δ·N) classes predicted most often among the mined negatives (base below
// γ), ties by first occurrence; the HEAD top-K counts every image instead.
TEST(AntsDetector, RatioNearSelectCountsOnlyMinedNegatives) {
  // Over all images cat (I, H) leads; among the mined (H, K) dog's K leads from batch 2 on.
  const std::vector<std::string> stream = {"IIIHK", "KKI", "IIIIH"};
  // An independent count: per update, the mined predictions so far (H → cat, K → dog).
  std::vector<std::vector<std::string>> expected;
  int cat = 0, dog = 0;
  std::string first;
  for (const auto& b : stream) {
    for (char c : b) {
      if (c == 'H') ++cat, first = first.empty() ? "cat" : first;
      if (c == 'K') ++dog, first = first.empty() ? "dog" : first;
    }
    const std::string lead = cat > dog ? "cat" : dog > cat ? "dog" : first;
    expected.push_back({lead});
  }
  EXPECT_EQ(similar_calls(NearSelect::ratio, 0.5f, stream), expected);  // round(0.5·2) = 1 class
  EXPECT_EQ(expected, (std::vector<std::vector<std::string>>{{"cat"}, {"dog"}, {"dog"}}));
  // round(0.25·2) = round(0.5) = 1: halves away from zero.
  EXPECT_EQ(similar_calls(NearSelect::ratio, 0.25f, stream), expected);
  // δ = 1 asks both, the mined leader first; top:2 orders by every prediction (cat first).
  EXPECT_EQ(similar_calls(NearSelect::ratio, 1.f, stream).at(1), (std::vector<std::string>{"dog", "cat"}));
  EXPECT_EQ(similar_calls(NearSelect::top, 0, stream, 2).at(1), (std::vector<std::string>{"cat", "dog"}));
  // Nothing mined yet: nothing to ask.
  EXPECT_TRUE(similar_calls(NearSelect::ratio, 1.f, {"IJ"}).empty());
}

TEST(AntsDetector, AllNearSelectAsksEveryClassInListOrder) {
  EXPECT_EQ(similar_calls(NearSelect::all, 0, {"JJ"}), (std::vector<std::vector<std::string>>{{"cat", "dog"}}));
  EXPECT_EQ(similar_calls(NearSelect::top, 0, {"JJ"}), (std::vector<std::vector<std::string>>{{"dog"}}));
}

// A stream with both banks filled, fused under `rule`; the mined images' plain far/near scores
// and each batch's λ are returned per batch.
struct FusedBatch {
  std::vector<DetectorScore> out;
  float gamma;  // the threshold the batch was mined with
};
std::vector<FusedBatch> fused_stream(LambdaRule rule, float fixed = 0.5f) {
  DetectorOptions o = quick_options();
  o.lambda_rule = rule;
  o.lambda_fixed = fixed;
  o.near_start_batch = 1;
  o.near_interval = 1;
  Fixture f(o);
  std::vector<FusedBatch> out;
  for (int t = 1; t <= 4; ++t) {
    const float gamma = f.det.stats().gamma;
    out.push_back({f.run(t % 2 ? "HOIJO" : "OHKIJ", t), gamma});
  }
  EXPECT_GT(f.det.stats().far_rows, 0u);
  EXPECT_GT(f.det.stats().near_rows, 0u);
  return out;
}

// Table 3 row E, Fig. 7c: λ constant, S = λ·S_far + (1−λ)·S_near for every image.
TEST(AntsDetector, FixedLambdaFusesWithTheGivenWeight) {
  for (float x : {0.f, 0.3f, 1.f}) {
    for (const auto& b : fused_stream(LambdaRule::fixed, x)) {
      for (const auto& s : b.out) {
        EXPECT_EQ(s.lambda, x);
        EXPECT_FLOAT_EQ(s.score, x * s.far + (1 - x) * s.near);
      }
    }
  }
}

// Table 9: ants' log and exp weights over the paper rule's statistics (means of the plain scores
// of the mined images), recomputed here from the detector's own outputs.
TEST(AntsDetector, LogAndExpLambdaUseThePaperStatistics) {
  for (LambdaRule rule : {LambdaRule::log, LambdaRule::exp}) {
    double far_sum = 0, near_sum = 0;
    int mined = 0;
    bool differs_from_fractional = false;
    for (const auto& b : fused_stream(rule)) {
      for (const auto& s : b.out)
        if (s.base < b.gamma) far_sum += s.far, near_sum += s.near, ++mined;
      ASSERT_GT(mined, 0);
      const double a = 1 - far_sum / mined, c = 1 - near_sum / mined;
      const double want = rule == LambdaRule::log ? std::log(1 + a) / (std::log(1 + a) + std::log(1 + c))
                                                  : std::exp(a) / (std::exp(a) + std::exp(c));
      differs_from_fractional |= std::abs(want - a / (a + c)) > 1e-3;
      for (const auto& s : b.out) {
        EXPECT_NEAR(s.lambda, want, 1e-6);
        EXPECT_FLOAT_EQ(s.score, s.lambda * s.far + (1 - s.lambda) * s.near);
      }
    }
    EXPECT_TRUE(differs_from_fractional);
  }
}

// Fig. 7f: a captioner-only MLLM describes (ENS) but is never asked for similar classes.
TEST(AntsDetector, CaptionOnlyNeverAsksForSimilarClasses) {
  DetectorOptions o = quick_options();
  o.caption_only = true;
  o.near_start_batch = 1;
  o.near_interval = 1;
  Fixture f(o);
  for (int t = 1; t <= 3; ++t) {
    for (const auto& s : f.run("OOOOIJ", t)) EXPECT_EQ(s.near, s.base);
  }
  EXPECT_TRUE(f.mllm.similar_calls.empty());
  EXPECT_EQ(f.det.stats().vsnl_updates, 0);
  EXPECT_GT(f.det.stats().far_rows, 0u);
}

bool is_class_name(const std::string& l) { return l == "cat" || l == "dog"; }

// Fig. 7a: a share P of every batch of new ENS labels becomes ID class names, drawn from the
// stream's seed; the same seed gives the same bank, and a snapshot continues the draws.
TEST(AntsDetector, EnsIdNoiseReplacesAShareOfNewLabelsBySeed) {
  DetectorOptions o = quick_options();
  o.threshold_rule = ThresholdRule::fixed;
  o.ens_id_noise = 0.5f;
  auto labels_of = [&](uint64_t seed) {
    Fixture f(o);
    f.det.reset(seed);
    f.run("OOOOOO", 1);  // 6 descriptions: 3 replaced
    return f.det.far_labels();
  };
  const auto a = labels_of(1);
  ASSERT_EQ(a.size(), 6u);
  EXPECT_EQ(std::count_if(a.begin(), a.end(), is_class_name), 3);
  EXPECT_EQ(labels_of(1), a);
  bool another_seed_differs = false;
  for (uint64_t seed = 2; seed < 6; ++seed) another_seed_differs |= labels_of(seed) != a;
  EXPECT_TRUE(another_seed_differs);

  o.ens_id_noise = 1;
  Fixture all(o);
  all.run("OOOO", 1);
  for (const auto& l : all.det.far_labels()) EXPECT_TRUE(is_class_name(l)) << l;
  o.ens_id_noise = 0;
  Fixture none(o);
  none.run("OOOO", 1);
  for (const auto& l : none.det.far_labels()) EXPECT_FALSE(is_class_name(l)) << l;

  // Restoring a snapshot taken after the first update gives the same second update.
  o.ens_id_noise = 0.5f;
  Fixture f(o), g(o);
  f.det.reset(9);
  f.run("OOOOOO", 1);
  const std::filesystem::path snap = test::temp_dir() / "noise.ants";
  f.det.snapshot(snap);
  f.run("OOOOOO", 2);
  g.det.restore(snap);
  g.run("OOOOOO", 2);
  EXPECT_EQ(g.det.far_labels(), f.det.far_labels());
}

TEST(AntsDetector, AblationOptionsOutOfRangeAreRefused) {
  for (auto bad : std::vector<std::function<void(DetectorOptions&)>>{
           [](DetectorOptions& o) { o.lambda_fixed = 1.5f; }, [](DetectorOptions& o) { o.near_ratio = 0; },
           [](DetectorOptions& o) { o.ens_id_noise = -0.1f; }, [](DetectorOptions& o) { o.eta = NAN; }}) {
    DetectorOptions o = quick_options();
    bad(o);
    EXPECT_THROW(Fixture{o}, Error);
  }
}

}  // namespace
}  // namespace ants
