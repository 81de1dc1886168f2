// describe, similar, mllm-check: the MLLM client on its own (method.md §5).
#include <ants/image.h>
#include <ants/mllm-client.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>

#include "cli-common.h"
#include "commands.h"
#include "mllm-options.h"

namespace ants::cli {

namespace {

using nlohmann::json;

struct DescribeArgs {
  MllmCliOptions mllm;
  std::string cls;
  std::vector<std::string> files;
};

void add_describe(CLI::App& app, int& rc) {
  auto* cmd = app.add_subcommand("describe", "describe each IMAGE in a few words with the MLLM (JSON lines: file, description or error)");
  auto a = std::make_shared<DescribeArgs>();
  add_mllm_options(*cmd, a->mllm, false);
  cmd->add_option("--class", a->cls, "a class the description must not name (the ENS prompt's {class})");
  cmd->add_option("image", a->files, "image files")->required();
  cmd->callback([a, &rc] {
    auto client = make_mllm(a->mllm, true);
    if (!client) throw Error(ErrorCode::invalid_argument, "describe: give --mllm-url or --mllm-replay");
    std::vector<ImageRef> files;
    for (const auto& f : a->files) files.push_back(ImageRef::file(f));
    const auto replies = client->describe_detailed(files, std::vector<std::string>(files.size(), a->cls));
    rc = 0;
    for (size_t i = 0; i < files.size(); ++i) {
      if (replies[i].text) print_json_line({{"file", a->files[i]}, {"description", *replies[i].text}});
      else print_json_line({{"file", a->files[i]}, {"error", replies[i].error}}), rc = kExitFailure;
    }
    print_mllm_summary(*client);
  });
}

struct SimilarArgs {
  MllmCliOptions mllm;
  std::vector<std::string> classes;
};

void add_similar(CLI::App& app, int& rc) {
  auto* cmd = app.add_subcommand("similar", "class names that look like each CLASS, from the MLLM (JSON lines: class, similar or error)");
  auto a = std::make_shared<SimilarArgs>();
  add_mllm_options(*cmd, a->mllm, false);
  cmd->add_option("class", a->classes, "class names")->required();
  cmd->callback([a, &rc] {
    auto client = make_mllm(a->mllm, true);
    if (!client) throw Error(ErrorCode::invalid_argument, "similar: give --mllm-url or --mllm-replay");
    const auto replies = client->similar_detailed(a->classes);
    rc = 0;
    for (size_t i = 0; i < replies.size(); ++i) {
      if (replies[i].labels) print_json_line({{"class", a->classes[i]}, {"similar", *replies[i].labels}});
      else print_json_line({{"class", a->classes[i]}, {"error", replies[i].error}}), rc = kExitFailure;
    }
    print_mllm_summary(*client);
  });
}

// A 64x48 gradient as an in-memory JPEG.
ImageRef probe_image() {
  ImageRGB8 img{64, 48, std::vector<uint8_t>(64 * 48 * 3)};
  for (int y = 0; y < 48; ++y)
    for (int x = 0; x < 64; ++x) {
      uint8_t* p = &img.data[(static_cast<size_t>(y) * 64 + x) * 3];
      p[0] = static_cast<uint8_t>(x * 4), p[1] = static_cast<uint8_t>(y * 5), p[2] = 128;
    }
  const std::vector<uint8_t> jpeg = encode_jpeg(img, 90);
  return ImageRef::memory(std::string(jpeg.begin(), jpeg.end()), "probe.jpg");
}

// Reachability and the model list, then one uncached describe round trip. Returns the exit code.
int run_check(const MllmCliOptions& cli) {
  MllmOptions o = to_mllm_options(cli, true);
  if (o.url.empty()) throw Error(ErrorCode::invalid_argument, "mllm-check: give --mllm-url");
  o.cache = false;
  o.record_path.clear();
  o.replay_path.clear();
  o.retries = 0;
  auto client = make_mllm_client(o);
  std::cout << "url: " << o.url << "\n";
  std::vector<std::string> models;
  try {
    models = client->models();
  } catch (const Error& e) {
    std::cout << "models: unavailable (" << e.what() << ")\nverdict: FAIL: the server cannot be reached\n";
    return kExitFailure;
  }
  std::cout << "models: " << models.size() << " offered";
  for (const auto& m : models) std::cout << (&m == &models[0] ? ": " : ", ") << m;
  std::cout << "\n" << std::flush;
  const auto start = std::chrono::steady_clock::now();
  const auto reply = client->describe_detailed({probe_image()}, {""}).at(0);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::cout << "round trip: " << static_cast<long>(ms) << " ms, one 64x48 image\n";
  if (!reply.text) {
    std::cout << "answer: none (" << reply.error << ")\nverdict: FAIL: the server does not answer image requests\n";
    return kExitFailure;
  }
  std::cout << "answer: " << json(*reply.text).dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
  std::cout << "verdict: OK: the server answers image requests\n";
  return 0;
}

void add_mllm_check(CLI::App& app, int& rc) {
  auto* cmd = app.add_subcommand("mllm-check", "check an MLLM server: reachable, models offered, one image round trip, latency");
  auto a = std::make_shared<MllmCliOptions>();
  add_mllm_options(*cmd, *a, false);
  cmd->callback([a, &rc] { rc = run_check(*a); });
}

}  // namespace

void add_mllm_commands(CLI::App& app, int& exit_code) {
  add_describe(app, exit_code);
  add_similar(app, exit_code);
  add_mllm_check(app, exit_code);
}

}  // namespace ants::cli
