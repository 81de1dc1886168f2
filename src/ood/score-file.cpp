// The score files `ants metrics` reads: one number per line.
#include <ants/metrics.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>

#include "core/error.h"
#include "text/strings.h"

namespace ants {

std::vector<double> read_score_file(const std::filesystem::path& path) {
  const std::string where = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) core::fail(ErrorCode::io, where, "cannot open");
  std::vector<double> scores;
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    const std::string t(text::trim(line));
    if (t.empty() || t[0] == '#') continue;
    char* end = nullptr;
    const double v = std::strtod(t.c_str(), &end);
    if (end != t.c_str() + t.size() || !std::isfinite(v))
      core::fail(ErrorCode::format, where + ":" + std::to_string(n), "not a finite number: '" + t + "'");
    scores.push_back(v);
  }
  if (in.bad()) core::fail(ErrorCode::io, where, "read error");
  if (scores.empty()) core::fail(ErrorCode::format, where, "no scores");
  return scores;
}

}  // namespace ants
