// Runs the built `ants` binary the way a user's script does: stdout and stderr captured apart.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ants::test {

struct CliRun {
  int code = -1;  // exit status; -1 when the program did not exit normally
  std::string out, err;
  // stdout as JSON lines (throws on a line that is not JSON).
  std::vector<nlohmann::json> json_lines() const;
};

// `ants ARGS...` with ANTS_CACHE_DIR pointing into the test's temp dir, so no test touches the
// user's real cache.
CliRun run_cli(const std::vector<std::string>& args);

}  // namespace ants::test
