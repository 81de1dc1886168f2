// cache-images: the embedding stage of a sharded evaluation. Embeds one shard of the distinct
// images of the inputs into the embedding cache, so that `ants eval --require-cached` (with the
// same model, precision and preprocessing) then runs no CLIP at all.
#include <ants/embed.h>
#include <ants/inputs.h>

#include <charconv>
#include <iostream>

#include "cli-common.h"
#include "commands.h"

namespace ants::cli {

namespace {

struct CacheImagesArgs {
  ModelOptions model;
  std::string preprocess = "openood", data_root, shard = "0/1", cache_dir;
  int infer_batch = 32;
  uint64_t max_pixels = kDefaultMaxPixels;
  bool quiet = false;
  std::vector<std::string> inputs;
};

std::pair<size_t, size_t> parse_shard(const std::string& text) {
  const size_t slash = text.find('/');
  size_t index = 0, count = 0;
  const auto number = [](std::string_view s, size_t& v) {
    const auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), v);
    return err == std::errc() && end == s.data() + s.size() && !s.empty();
  };
  if (slash == std::string::npos || !number(std::string_view(text).substr(0, slash), index) ||
      !number(std::string_view(text).substr(slash + 1), count) || count == 0 || index >= count)
    throw Error(ErrorCode::invalid_argument, "--shard '" + text + "': expected I/N with 0 <= I < N");
  return {index, count};
}

int run_cache_images(const CacheImagesArgs& a) {
  const auto [index, count] = parse_shard(a.shard);
  auto model = configure([&] { return load_model(a.model); });
  const std::vector<std::string> files =
      configure([&] { return shard_of(distinct_images(a.inputs, a.data_root), index, count); });
  ImageEmbedOptions o = configure([&] {
    return image_embed_options(*model, a.preprocess, a.infer_batch, CacheOptions{true, a.cache_dir});
  });
  o.max_pixels = a.max_pixels;
  Progress progress("caching images (shard " + a.shard + ")", files.size(), "images", a.quiet);
  EmbedReport report;
  const auto results = embed_image_files(*model, files, o, [&](size_t done, size_t) { progress.update(done); }, &report);
  progress.finish();
  size_t failed = 0;
  for (const auto& r : results) {
    if (r.error.empty()) continue;
    ++failed;
    if (!a.quiet) std::cerr << "ants: failed " << r.error << "\n";
  }
  print_warnings(report.warnings, a.quiet);
  print_json_line({{"shard", a.shard}, {"images", files.size()}, {"computed", files.size() - failed - report.cache_hits},
                   {"cached", report.cache_hits}, {"failed", failed}});
  return failed == 0 ? 0 : kExitFailure;
}

}  // namespace

void add_cache_images_commands(CLI::App& app, int& rc) {
  auto* cmd = app.add_subcommand(
      "cache-images", "embed one shard of the distinct images of the inputs into the embedding cache (for eval --require-cached)");
  auto a = std::make_shared<CacheImagesArgs>();
  add_model_options(*cmd, a->model);
  add_max_pixels_option(*cmd, a->max_pixels);
  cmd->add_option("--preprocess", a->preprocess, "clip or openood (default: openood, as eval)")
      ->check(CLI::IsMember({"clip", "openood"}));
  cmd->add_option("--infer-batch", a->infer_batch, "images per CLIP forward pass (default: 32)")->check(CLI::PositiveNumber);
  cmd->add_option("--data-root", a->data_root, "directory the image lists' paths are relative to");
  cmd->add_option("--shard", a->shard, "I/N: the I-th (0-based) of N shards of the byte-sorted distinct images (default: 0/1)");
  cmd->add_option("--cache-dir", a->cache_dir, "cache directory (default: $ANTS_CACHE_DIR, $XDG_CACHE_HOME/ants or ~/.cache/ants)");
  cmd->add_flag("--quiet,-q", a->quiet, "no progress or warnings on stderr");
  cmd->add_option("input", a->inputs, "directories, image files, or OpenOOD image lists")->required();
  cmd->callback([a, &rc] { rc = run_cache_images(*a); });
}

}  // namespace ants::cli
