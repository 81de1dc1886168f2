// Deterministic demo images: simple ID scenes and OOD textures, written as uncompressed BMP so
// that their bytes (and hence every cache and replay key derived from them) are the same on
// every machine.
#include <ants/demo.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "core/embedded-file.h"
#include "core/error.h"
#include "core/file-util.h"

ANTS_EMBED_FILE(ants_demo_replay, ANTS_DEMO_REPLAY_PATH);

namespace ants {

namespace fs = std::filesystem;

namespace {

constexpr int kSize = 96;

struct Canvas {
  std::vector<uint8_t> rgb = std::vector<uint8_t>(kSize * kSize * 3);
  void set(int x, int y, const uint8_t c[3]) {
    uint8_t* p = &rgb[static_cast<size_t>((y * kSize + x) * 3)];
    p[0] = c[0], p[1] = c[1], p[2] = c[2];
  }
};

void put_u32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// 24-bit bottom-up BMP (rows padded to 4 bytes; 96·3 needs none).
std::string encode_bmp(const Canvas& c) {
  const uint32_t pixels = kSize * kSize * 3;
  std::string s = "BM";
  put_u32(s, 54 + pixels);
  put_u32(s, 0);
  put_u32(s, 54);
  put_u32(s, 40);
  put_u32(s, kSize);
  put_u32(s, kSize);
  s += std::string("\x01\x00\x18\x00", 4);  // planes 1, 24 bits
  for (int i = 0; i < 6; ++i) put_u32(s, i == 1 ? pixels : 0);
  for (int y = kSize - 1; y >= 0; --y)
    for (int x = 0; x < kSize; ++x) {
      const uint8_t* p = &c.rgb[static_cast<size_t>((y * kSize + x) * 3)];
      s.push_back(static_cast<char>(p[2])), s.push_back(static_cast<char>(p[1])), s.push_back(static_cast<char>(p[0]));
    }
  return s;
}

bool inside_shape(int scene, double dx, double dy, double r) {
  switch (scene) {
    case 0: return dx * dx + dy * dy <= r * r;                                   // circle
    case 1: return std::abs(dx) <= r * 0.8 && std::abs(dy) <= r * 0.8;           // square
    case 2: return dy <= r * 0.7 && dy >= -r && std::abs(dx) <= (dy + r) * 0.6;  // triangle
    default: {                                                                   // star
      const double a = std::atan2(dy, dx), d = std::sqrt(dx * dx + dy * dy);
      return d <= r * (0.55 + 0.45 * std::abs(std::cos(2.5 * a)));
    }
  }
}

// Scene `scene` at a position and size drawn from `rng` (raw MT19937 output: portable).
Canvas id_scene(int scene, std::mt19937& rng) {
  static const uint8_t colours[4][3] = {{220, 30, 30}, {30, 60, 220}, {30, 170, 60}, {240, 210, 20}};
  Canvas c;
  const uint8_t bg[3] = {static_cast<uint8_t>(200 + rng() % 50), static_cast<uint8_t>(200 + rng() % 50),
                         static_cast<uint8_t>(200 + rng() % 50)};
  const double cx = 30 + rng() % 36, cy = 30 + rng() % 36, r = 18 + rng() % 10;
  for (int y = 0; y < kSize; ++y)
    for (int x = 0; x < kSize; ++x) c.set(x, y, inside_shape(scene, x - cx, cy - y, r) ? colours[scene] : bg);
  return c;
}

Canvas ood_texture(int kind, std::mt19937& rng) {
  Canvas c;
  const int period = 4 + static_cast<int>(rng() % 12);
  const uint8_t a[3] = {static_cast<uint8_t>(rng()), static_cast<uint8_t>(rng()), static_cast<uint8_t>(rng())};
  for (int y = 0; y < kSize; ++y)
    for (int x = 0; x < kSize; ++x) {
      uint8_t px[3];
      for (int ch = 0; ch < 3; ++ch) {
        switch (kind) {
          case 0: px[ch] = static_cast<uint8_t>(rng()); break;                                       // noise
          case 1: px[ch] = ((x + y) / period) % 2 ? a[ch] : static_cast<uint8_t>(255 - a[ch]); break;  // stripes
          default: px[ch] = ((x / period) + (y / period)) % 2 ? a[ch] : static_cast<uint8_t>(a[ch] / 3);  // checks
        }
      }
      c.set(x, y, px);
    }
  return c;
}

void write(const fs::path& path, const Canvas& c) { core::write_file_atomic(path, encode_bmp(c)); }

}  // namespace

std::string_view demo_mllm_replay() { return ANTS_EMBEDDED_BYTES(ants_demo_replay); }

std::vector<std::string> demo_class_names() { return {"red circle", "blue square", "green triangle", "yellow star"}; }

std::vector<LabeledImage> write_demo_images(const fs::path& dir, int n_id, int n_ood) {
  std::error_code ec;
  fs::create_directories(dir / "id", ec);
  fs::create_directories(dir / "ood", ec);
  if (ec) core::fail(ErrorCode::io, dir.string(), "cannot create the demo directories: " + ec.message());
  std::vector<LabeledImage> id;
  char name[32];
  for (int i = 0; i < n_id; ++i) {
    std::mt19937 rng(static_cast<uint32_t>(1000 + i));
    std::snprintf(name, sizeof name, "%04d.bmp", i);
    write(dir / "id" / name, id_scene(i % 4, rng));
    id.push_back({(dir / "id" / name).string(), i % 4});
  }
  for (int i = 0; i < n_ood; ++i) {
    std::mt19937 rng(static_cast<uint32_t>(5000 + i));
    std::snprintf(name, sizeof name, "%04d.bmp", i);
    write(dir / "ood" / name, ood_texture(i % 3, rng));
  }
  return id;
}

}  // namespace ants
