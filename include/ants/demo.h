// ants/demo.h — the built-in demo data of `ants demo`: generated images and scripted MLLM
// answers, identical on every machine.
#pragma once

#include <ants/export.h>
#include <ants/inputs.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace ants {

// The built-in demo data: `n_id` images of four simple ID scenes (a red circle, a blue square, a
// green triangle, a yellow star on plain backgrounds; label = scene) under `dir`/id and `n_ood`
// textures (noise, stripes, checkerboards) under `dir`/ood, as 96×96 BMP files whose bytes depend
// only on the index, so they are identical on every machine. Returns the ID images with labels.
ANTS_API std::vector<LabeledImage> write_demo_images(const std::filesystem::path& dir, int n_id, int n_ood);
ANTS_API std::vector<std::string> demo_class_names();
// The scripted MLLM answers shipped for the demo (an --mllm-replay JSONL file, model "ants-demo").
ANTS_API std::string_view demo_mllm_replay();

}  // namespace ants
