// ants/inputs.h — what users point ants at: image files and folders, OpenOOD image lists, and
// ID class lists (built-in names or files).
#pragma once

#include <ants/export.h>

#include <filesystem>
#include <string>
#include <vector>

namespace ants {

// jpg, jpeg, png, webp or bmp, in any case.
ANTS_API bool has_image_extension(const std::filesystem::path& path);
// Files as given (whatever their name, and also when they do not exist: reading them then fails
// like reading any bad image, so one mistyped name never stops a run); directories walked
// recursively, keeping files with an image extension, sorted by path. Throws Error(io) only
// when a directory cannot be listed.
ANTS_API std::vector<std::string> collect_image_files(const std::vector<std::string>& inputs);

constexpr int kOodLabel = -1;
constexpr int kUnknownIdLabel = -2;  // in-distribution, class not known (no accuracy)
struct LabeledImage {
  std::string file;
  int label = kUnknownIdLabel;  // ID class index ≥ 0, kOodLabel, or kUnknownIdLabel
};
// An OpenOOD image list: `relative/path label` per line (blank and '#' lines skipped), paths
// relative to `data_root`. With `ood`, every label becomes -1 (an OOD list's labels are
// meaningless); without it, a label below 0 is an error (an ID image is never OOD). Errors name
// the file and line.
ANTS_API std::vector<LabeledImage> read_image_list(const std::filesystem::path& list,
                                                   const std::filesystem::path& data_root, bool ood);

// The images of an evaluation set: an OpenOOD image list (read_image_list) or a directory (every
// image under it, labelled OOD or unknown ID). Throws Error(invalid_argument) for an empty
// directory or an image file given where a list is expected.
ANTS_API std::vector<LabeledImage> read_image_set(const std::filesystem::path& path,
                                                  const std::filesystem::path& data_root, bool ood);

// The distinct images of `inputs`, byte-sorted: a directory gives the images under it, a file
// with an image extension is an image, any other file is an OpenOOD image list read against
// `data_root` (paths formed as read_image_set forms them, so they are the files eval embeds).
ANTS_API std::vector<std::string> distinct_images(const std::vector<std::string>& inputs,
                                                  const std::filesystem::path& data_root);
// Shard `index` (0-based) of `count`: the paths at positions ≡ index (mod count). Disjoint and
// covering over every index, and independent of timing. Throws Error(invalid_argument) unless
// index < count.
ANTS_API std::vector<std::string> shard_of(const std::vector<std::string>& paths, size_t index, size_t count);

// The built-in lists "imagenet" (the reference's 1000 CLIP names), "cifar10", "cifar100", or else
// a class-list file (read_class_list). Throws Error(invalid_argument) when it is neither.
ANTS_API std::vector<std::string> load_classes(const std::string& name_or_file,
                                               std::vector<std::string>* warnings = nullptr);
ANTS_API std::vector<std::string> builtin_class_list_names();

}  // namespace ants
