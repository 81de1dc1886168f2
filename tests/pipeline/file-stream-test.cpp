// run_file_stream: checkpoints, resume, the rows file, --max-inputs and cancellation, as `detect
// --state` and every front end that scores a file list rely on.
#include <gtest/gtest.h>

#include "stream-fixture.h"

namespace ants {
namespace {

namespace fs = std::filesystem;
using test::StreamFixture;

class FileStream : public StreamFixture {
 protected:
  // Scores the list (resuming from `state`), appending rows to `rows` as detect does.
  FileStreamResult run(const fs::path& state, const fs::path& rows, size_t max_inputs = 0, const CancelFn& cancel = {}) {
    test::FakeMllm mllm;
    auto s = scorer(mllm);
    FileStreamOptions o;
    o.batch = 8;
    o.embed = embed_options();
    o.state = state;
    o.state_every = 2;
    o.max_inputs = max_inputs;
    o.rows_file = rows;
    std::optional<RowWriter> writer;
    o.on_start = [&](size_t first, size_t) { writer.emplace(rows, first > 0, std::cout); };
    return run_file_stream(*model_, *s, files_, o, [&](const std::vector<ScoredImage>& batch) {
      for (const auto& r : batch) writer->write(r, s->classes(), std::nullopt);
      writer->flush();
    }, {}, cancel);
  }
};

TEST_F(FileStream, StoppedAndResumedEqualsOneUninterruptedRun) {
  const auto whole = run({}, dir_ / "whole.csv");
  EXPECT_EQ(whole.first, 0u);
  EXPECT_EQ(whole.end, files_.size());
  EXPECT_EQ(whole.failed, 1u);  // broken.png: a row with its error, the others scored
  const auto part = run(dir_ / "s.state", dir_ / "parts.csv", 12);
  EXPECT_EQ(part.end, 16u);  // rounded up to whole detector batches
  const auto rest = run(dir_ / "s.state", dir_ / "parts.csv");
  EXPECT_EQ(rest.first, 16u);
  EXPECT_EQ(rest.end, files_.size());
  EXPECT_EQ(core::read_file(dir_ / "parts.csv"), core::read_file(dir_ / "whole.csv"));
}

TEST_F(FileStream, RowsWrittenAfterTheLastCheckpointAreCutBackOnResume) {
  run(dir_ / "s.state", dir_ / "parts.csv", 16);
  const std::string saved = core::read_file(dir_ / "parts.csv");
  std::ofstream(dir_ / "parts.csv", std::ios::app) << "row of a batch the crash lost\n";
  run(dir_ / "s.state", dir_ / "parts.csv");
  run({}, dir_ / "whole.csv");
  EXPECT_EQ(core::read_file(dir_ / "parts.csv"), core::read_file(dir_ / "whole.csv"));
  EXPECT_EQ(core::read_file(dir_ / "parts.csv").rfind(saved, 0), 0u);
}

TEST_F(FileStream, ACancelledRunCheckpointsWhatItFinishedAndResumes) {
  int polls = 0;
  const auto cancelled = run(dir_ / "s.state", dir_ / "parts.csv", 0, [&] { return ++polls > 3; });
  EXPECT_TRUE(cancelled.cancelled);
  EXPECT_EQ(cancelled.end, 24u);  // three batches of 8
  const auto rest = run(dir_ / "s.state", dir_ / "parts.csv");
  EXPECT_FALSE(rest.cancelled);
  EXPECT_EQ(rest.first, 24u);
  run({}, dir_ / "whole.csv");
  EXPECT_EQ(core::read_file(dir_ / "parts.csv"), core::read_file(dir_ / "whole.csv"));
}

TEST_F(FileStream, AStateOfAnotherInputListIsRefusedBeforeAnyRowIsWritten) {
  run(dir_ / "s.state", dir_ / "parts.csv", 8);
  files_.pop_back();
  try {
    run(dir_ / "s.state", dir_ / "other.csv");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("list of inputs"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir_ / "other.csv"));
}

}  // namespace
}  // namespace ants
