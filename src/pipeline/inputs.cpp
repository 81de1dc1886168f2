// Where the images and class names of a run come from: files, directories, OpenOOD image lists,
// built-in class lists.
#include <ants/inputs.h>
#include <ants/negatives.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <set>

#include "core/embedded-file.h"
#include "core/error.h"
#include "text/strings.h"

ANTS_EMBED_FILE(ants_classes_imagenet, ANTS_CLASSES_DIR "/imagenet.txt");
ANTS_EMBED_FILE(ants_classes_cifar10, ANTS_CLASSES_DIR "/cifar10.txt");
ANTS_EMBED_FILE(ants_classes_cifar100, ANTS_CLASSES_DIR "/cifar100.txt");
ANTS_EMBED_FILE(ants_classes_imagenet_a, ANTS_CLASSES_DIR "/imagenet-a.txt");
ANTS_EMBED_FILE(ants_classes_imagenet_r, ANTS_CLASSES_DIR "/imagenet-r.txt");
ANTS_EMBED_FILE(ants_classes_imagenet_10, ANTS_CLASSES_DIR "/imagenet-10.txt");
ANTS_EMBED_FILE(ants_classes_imagenet_20, ANTS_CLASSES_DIR "/imagenet-20.txt");
ANTS_EMBED_FILE(ants_classes_imagenet_100, ANTS_CLASSES_DIR "/imagenet-100.txt");
ANTS_EMBED_FILE(ants_classes_cub200, ANTS_CLASSES_DIR "/cub200.txt");
ANTS_EMBED_FILE(ants_classes_stanford_cars, ANTS_CLASSES_DIR "/stanford-cars.txt");
ANTS_EMBED_FILE(ants_classes_food101, ANTS_CLASSES_DIR "/food101.txt");
ANTS_EMBED_FILE(ants_classes_oxford_pets, ANTS_CLASSES_DIR "/oxford-pets.txt");

namespace ants {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> images_under(const fs::path& dir) {
  std::vector<std::string> found;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink, ec), end;
       !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && has_image_extension(it->path())) found.push_back(it->path().string());
  }
  if (ec) core::fail(ErrorCode::io, dir.string(), "cannot list the directory: " + ec.message());
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace

bool has_image_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".webp" || ext == ".bmp";
}

std::vector<std::string> collect_image_files(const std::vector<std::string>& inputs) {
  std::vector<std::string> files;
  for (const auto& in : inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      auto found = images_under(in);
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(in);  // also when missing: its row then says why it cannot be read
    }
  }
  return files;
}

std::vector<LabeledImage> read_image_list(const fs::path& list, const fs::path& data_root, bool ood) {
  std::ifstream in(list, std::ios::binary);
  if (!in) core::fail(ErrorCode::io, list.string(), "cannot open the image list");
  std::vector<LabeledImage> images;
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    const std::string_view t = text::trim(line);
    if (t.empty() || t.front() == '#') continue;
    const size_t space = t.find_last_of(" \t");
    if (space == std::string_view::npos) {
      core::fail(ErrorCode::format, list.string() + ":" + std::to_string(n), "expected 'relative/path label'");
    }
    const std::string_view path = text::trim(t.substr(0, space)), label_text = t.substr(space + 1);
    int label = 0;
    const auto [end, err] = std::from_chars(label_text.data(), label_text.data() + label_text.size(), label);
    if (err != std::errc() || end != label_text.data() + label_text.size() || label < -1) {
      core::fail(ErrorCode::format, list.string() + ":" + std::to_string(n),
                 "label '" + std::string(label_text) + "' is not an integer ≥ -1");
    }
    if (!ood && label < 0) {
      core::fail(ErrorCode::format, list.string() + ":" + std::to_string(n),
                 "label -1 marks an OOD image, but this is an ID list (class indices ≥ 0)");
    }
    images.push_back({(data_root / std::string(path)).string(), ood ? -1 : label});
  }
  if (in.bad()) core::fail(ErrorCode::io, list.string(), "read error");
  if (images.empty()) core::fail(ErrorCode::format, list.string(), "the image list is empty");
  return images;
}

std::vector<LabeledImage> read_image_set(const fs::path& path, const fs::path& data_root, bool ood) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<LabeledImage> images;
    for (auto& f : collect_image_files({path.string()})) images.push_back({f, ood ? kOodLabel : kUnknownIdLabel});
    if (images.empty()) core::fail(ErrorCode::invalid_argument, path.string(), "no images in the directory");
    return images;
  }
  if (has_image_extension(path)) {
    core::fail(ErrorCode::invalid_argument, path.string(),
               "an image, not an image list (`path label` lines) or a directory");
  }
  return read_image_list(path, data_root, ood);
}

std::vector<std::string> distinct_images(const std::vector<std::string>& inputs, const fs::path& data_root) {
  std::set<std::string> all;
  for (const auto& input : inputs) {
    std::error_code ec;
    if (fs::is_directory(input, ec) || has_image_extension(input)) {
      for (auto& f : collect_image_files({input})) all.insert(std::move(f));
    } else {
      for (auto& im : read_image_list(input, data_root, /*ood=*/true)) all.insert(std::move(im.file));
    }
  }
  return {all.begin(), all.end()};
}

std::vector<std::string> shard_of(const std::vector<std::string>& paths, size_t index, size_t count) {
  if (count == 0 || index >= count) {
    core::fail(ErrorCode::invalid_argument, "shard",
               std::to_string(index) + "/" + std::to_string(count) + ": expected I/N with 0 <= I < N");
  }
  std::vector<std::string> out;
  for (size_t i = index; i < paths.size(); i += count) out.push_back(paths[i]);
  return out;
}

namespace {

// The built-in lists (data/classes/README.md gives their sources), in the order --help names them.
const std::vector<std::pair<std::string, std::string_view>>& builtin_lists() {
  static const std::vector<std::pair<std::string, std::string_view>> lists{
      {"imagenet", ANTS_EMBEDDED_BYTES(ants_classes_imagenet)},
      {"cifar10", ANTS_EMBEDDED_BYTES(ants_classes_cifar10)},
      {"cifar100", ANTS_EMBEDDED_BYTES(ants_classes_cifar100)},
      {"imagenet-a", ANTS_EMBEDDED_BYTES(ants_classes_imagenet_a)},
      {"imagenet-r", ANTS_EMBEDDED_BYTES(ants_classes_imagenet_r)},
      {"imagenet-10", ANTS_EMBEDDED_BYTES(ants_classes_imagenet_10)},
      {"imagenet-20", ANTS_EMBEDDED_BYTES(ants_classes_imagenet_20)},
      {"imagenet-100", ANTS_EMBEDDED_BYTES(ants_classes_imagenet_100)},
      {"cub200", ANTS_EMBEDDED_BYTES(ants_classes_cub200)},
      {"stanford-cars", ANTS_EMBEDDED_BYTES(ants_classes_stanford_cars)},
      {"food101", ANTS_EMBEDDED_BYTES(ants_classes_food101)},
      {"oxford-pets", ANTS_EMBEDDED_BYTES(ants_classes_oxford_pets)},
  };
  return lists;
}

std::string builtin_list_text() {
  std::string out;
  for (const auto& [name, text] : builtin_lists()) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace

std::vector<std::string> builtin_class_list_names() {
  std::vector<std::string> names;
  for (const auto& [name, text] : builtin_lists()) names.push_back(name);
  return names;
}

std::vector<std::string> load_classes(const std::string& name_or_file, std::vector<std::string>* warnings) {
  std::string_view text;
  for (const auto& [name, bytes] : builtin_lists())
    if (name_or_file == name) text = bytes;
  if (text.empty()) {
    std::error_code ec;
    if (!fs::exists(name_or_file, ec)) {
      core::fail(ErrorCode::invalid_argument, name_or_file,
                 "neither a class-list file nor a built-in list (" + builtin_list_text() + ")");
    }
    return read_class_list(name_or_file, warnings);
  }
  std::vector<std::string> names;
  for (size_t pos = 0; pos < text.size();) {
    const size_t nl = std::min(text.find('\n', pos), text.size());
    if (nl > pos) names.emplace_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return names;
}

}  // namespace ants
