#include "cli-runner.h"

#include <sys/wait.h>

#include <cstdio>
#include <sstream>

#include "core/file-util.h"
#include "test-paths.h"

namespace ants::test {
namespace {

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

std::vector<nlohmann::json> CliRun::json_lines() const {
  std::vector<nlohmann::json> v;
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);) v.push_back(nlohmann::json::parse(l));
  return v;
}

CliRun run_cli(const std::vector<std::string>& args) {
  const auto err_file = temp_dir() / "stderr.txt";
  std::string cmd = "ANTS_CACHE_DIR=" + quote((temp_dir() / "env-cache").string());
  cmd.append(" ").append(quote(cli_path()));
  for (const auto& a : args) cmd.append(" ").append(quote(a));  // not `" " + s`: GCC 12 -Wrestrict
  cmd.append(" 2>").append(quote(err_file.string()));
  CliRun r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[65536];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = core::read_file(err_file);
  return r;
}

}  // namespace ants::test
