// Throughput of the MLLM client against the scripted OpenAI-compatible server on 127.0.0.1: ENS
// describe requests (decode, downscale to 448, JPEG, base64, JSON, HTTP) and VSNL similar requests
// (text plus the 28x28 placeholder), with --mllm-parallel 1 and 4, against a server that answers
// at once (the client's own overhead per request) and one that answers after a fixed delay
// (a stand-in for model latency: parallel requests should overlap it). No cache, no retries.
//   ants-mllm-bench [--requests 64] [--delay-ms 20] [--reps 3]
// Prints a JSON object on stdout and a markdown table on stderr.
#include <ants/image.h>
#include <ants/mllm-client.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "fake-openai-server.h"

namespace {

using Clock = std::chrono::steady_clock;

std::vector<ants::ImageRef> write_images(const std::filesystem::path& dir, int n) {
  std::filesystem::create_directories(dir);
  std::vector<ants::ImageRef> files;
  for (int i = 0; i < n; ++i) {
    ants::ImageRGB8 img{640, 480, std::vector<uint8_t>(640 * 480 * 3)};
    for (size_t k = 0; k < img.data.size(); ++k) img.data[k] = static_cast<uint8_t>((k * 13 + static_cast<size_t>(i) * 101) % 256);
    const auto bytes = ants::encode_jpeg(img, 90);
    files.push_back(dir / ("img-" + std::to_string(i) + ".jpg"));
    std::ofstream(files.back().path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  return files;
}

struct Stat {
  double mean = 0, sd = 0;
};

Stat summarize(const std::vector<double>& v) {
  Stat s;
  for (double x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  for (double x : v) s.sd += (x - s.mean) * (x - s.mean);
  s.sd = v.size() > 1 ? std::sqrt(s.sd / static_cast<double>(v.size() - 1)) : 0;
  return s;
}

// Requests per second of one batch of `n` calls, `reps` times after one warm-up.
Stat measure(const std::string& url, int parallel, bool describe, const std::vector<ants::ImageRef>& images, int reps) {
  ants::MllmOptions o;
  o.url = url;
  o.model = "bench";
  o.parallel = parallel;
  o.retries = 0;
  o.cache = false;
  auto client = ants::make_mllm_client(o);
  std::vector<std::string> classes;
  for (size_t i = 0; i < images.size(); ++i) classes.push_back("class " + std::to_string(i));
  std::vector<double> rates;
  for (int r = 0; r <= reps; ++r) {
    const auto start = Clock::now();
    size_t ok = 0;
    if (describe) {
      for (const auto& reply : client->describe_detailed(images, classes)) ok += reply.text.has_value();
    } else {
      for (const auto& reply : client->similar_detailed(classes)) ok += reply.labels.has_value();
    }
    const double s = std::chrono::duration<double>(Clock::now() - start).count();
    if (ok != images.size()) std::fprintf(stderr, "mllm-bench: %zu of %zu calls failed\n", images.size() - ok, images.size());
    if (r > 0) rates.push_back(static_cast<double>(images.size()) / s);
  }
  return summarize(rates);
}

}  // namespace

int main(int argc, char** argv) {
  int n = 64, delay_ms = 20, reps = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const int v = std::atoi(argv[i + 1]);
    if (a == "--requests") n = v;
    else if (a == "--delay-ms") delay_ms = v;
    else if (a == "--reps") reps = v;
    else return std::fprintf(stderr, "usage: ants-mllm-bench [--requests N] [--delay-ms MS] [--reps N]\n"), 2;
  }
  const auto dir = std::filesystem::temp_directory_path() / "ants-mllm-bench";
  const auto images = write_images(dir, n);
  auto answer = [](int delay) {
    return [delay](const nlohmann::json& body, int, httplib::Response& res) {
      if (delay > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay));
      const bool similar = body["max_tokens"] == 100;
      res.set_content(ants::test::FakeOpenAiServer::completion(similar ? "1. a\n2. b\n3. c\n4. d\n5. e" : "a small red boat"),
                      "application/json");
    };
  };
  ants::test::FakeOpenAiServer instant(answer(0)), delayed(answer(delay_ms));
  nlohmann::json out = {{"requests", n}, {"reps", reps}, {"delay_ms", delay_ms}, {"image", "640x480 JPEG -> 448"},
                        {"threads", std::thread::hardware_concurrency()}, {"results", nlohmann::json::array()}};
  std::fprintf(stderr, "| call | server | parallel | requests/s | overhead per request (ms) |\n|---|---|---|---|---|\n");
  for (bool describe : {true, false})
    for (int delay : {0, delay_ms})
      for (int parallel : {1, 4}) {
        const Stat s = measure(delay == 0 ? instant.url() : delayed.url(), parallel, describe, images, reps);
        // Time per request beyond the server's own delay, as one client thread sees it.
        const double overhead_ms = 1000.0 * parallel / s.mean - delay;
        out["results"].push_back({{"call", describe ? "describe" : "similar"}, {"delay_ms", delay}, {"parallel", parallel},
                                  {"requests_per_s", s.mean}, {"sd", s.sd}, {"overhead_ms", overhead_ms}});
        std::fprintf(stderr, "| %s | %s | %d | %.1f ± %.1f | %.2f |\n", describe ? "describe" : "similar",
                     delay == 0 ? "instant" : (std::to_string(delay) + " ms").c_str(), parallel, s.mean, s.sd, overhead_ms);
      }
  std::printf("%s\n", out.dump(1).c_str());
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
