// A bounded load client for `ants serve`: N concurrent clients (each its own keep-alive
// connection), each sending R multipart requests of K images to one stream, drawn in turn from
// the given files. Prints one JSON line: images/s over the wall time, request latency p50/p99 in
// ms, and the requests that failed.
//   ants-serve-load --port P --clients N --images K --requests R [--stream S] FILE...
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5))];
}

}  // namespace

int main(int argc, char** argv) {
  int port = 8080, clients = 1, images = 1, requests = 10;
  std::string stream = "bench";
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--port") port = std::stoi(next());
    else if (a == "--clients") clients = std::stoi(next());
    else if (a == "--images") images = std::stoi(next());
    else if (a == "--requests") requests = std::stoi(next());
    else if (a == "--stream") stream = next();
    else files.push_back(a);
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: ants-serve-load --port P --clients N --images K --requests R [--stream S] FILE...\n");
    return 2;
  }
  std::vector<std::string> bytes;
  for (const auto& f : files) bytes.push_back(read_file(f));
  std::mutex mu;
  std::vector<double> latencies_ms;
  std::atomic<int> failed{0};
  std::atomic<size_t> scored{0};
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", port);
      client.set_read_timeout(600, 0);
      client.set_keep_alive(true);
      // Each client its own run of files, so no image is sent twice (and hits the cache) in a run.
      size_t next = static_cast<size_t>(c) * static_cast<size_t>(requests) * static_cast<size_t>(images);
      for (int r = 0; r < requests; ++r) {
        httplib::MultipartFormDataItems items;
        for (int k = 0; k < images; ++k, ++next) {
          const size_t i = next % files.size();
          items.push_back({"images", bytes[i], files[i], "application/octet-stream"});
        }
        const auto start = std::chrono::steady_clock::now();
        auto res = client.Post(("/v1/streams/" + stream + "/score").c_str(), items);
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        if (!res || res->status != 200) {
          if (failed++ == 0)
            std::fprintf(stderr, "ants-serve-load: first failure: %s\n",
                         res ? (std::to_string(res->status) + " " + res->body).c_str() : httplib::to_string(res.error()).c_str());
          continue;
        }
        scored += static_cast<size_t>(images);
        std::lock_guard lock(mu);
        latencies_ms.push_back(ms);
      }
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const nlohmann::json out{{"clients", clients},
                           {"images_per_request", images},
                           {"requests", clients * requests},
                           {"failed", failed.load()},
                           {"images_per_s", static_cast<double>(scored.load()) / seconds},
                           {"p50_ms", percentile(latencies_ms, 0.5)},
                           {"p99_ms", percentile(latencies_ms, 0.99)},
                           {"seconds", seconds}};
  std::printf("%s\n", out.dump().c_str());
  return failed.load() == 0 ? 0 : 1;
}
