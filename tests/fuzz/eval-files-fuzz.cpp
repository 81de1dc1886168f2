// The files `ants report` reads from an eval's output directory (metrics.json, run.json,
// scores.csv, trace.csv, negatives.json), rendered into the HTML report. Input: the files' texts
// in that order, separated by lines "%%"; files past the last part are absent.
#include "fuzz-common.h"
#include "pipeline/report-html.h"

using namespace ants;

namespace {
constexpr const char* kFiles[] = {"metrics.json", "run.json", "scores.csv", "trace.csv", "negatives.json"};
constexpr std::string_view kSeparator = "\n%%\n";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto dir = fuzz::scratch() / "eval";
  std::error_code ec;
  fuzz::fs::remove_all(dir, ec);
  fuzz::fs::create_directories(dir);
  std::string_view rest = fuzz::as_view(data, size);
  for (const char* name : kFiles) {
    const size_t end = rest.find(kSeparator);
    fuzz::write_file(dir / name, rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + kSeparator.size());
  }
  fuzz::expect_clean([&] { pipeline::report_html(dir); });
  return 0;
}
