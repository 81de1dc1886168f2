// tokenize, embed-text, embed-image, info, make-random-model.
#include <ants/embed.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>

#include "cli-common.h"
#include "commands.h"

namespace ants::cli {

namespace {

using nlohmann::json;

void add_tokenize(CLI::App& app, int& rc) {
  auto* cmd = app.add_subcommand("tokenize", "print CLIP token ids of each TEXT as a JSON array, one per line");
  auto opts = std::make_shared<ModelOptions>();
  auto texts = std::make_shared<std::vector<std::string>>();
  cmd->add_option("--model,-m", opts->dir, "model directory (its vocab.json + merges.txt, else the built-in CLIP BPE)")->required();
  cmd->add_option("text", *texts, "texts to tokenize")->required();
  cmd->callback([opts, texts, &rc] {
    auto tok = Tokenizer::for_model_dir(opts->dir);
    for (const auto& t : *texts) print_json_line(tok->encode(t));
    rc = 0;
  });
}

void add_embed_text(CLI::App& app, int& rc) {
  auto* cmd = app.add_subcommand("embed-text", "print the L2-normalised CLIP embedding of each TEXT as JSON lines");
  auto opts = std::make_shared<ModelOptions>();
  auto texts = std::make_shared<std::vector<std::string>>();
  auto batch = std::make_shared<int>(256);
  add_model_options(*cmd, *opts);
  cmd->add_option("--batch,--text-batch", *batch, "texts per forward pass (default: 256)")->check(CLI::PositiveNumber);
  cmd->add_option("text", *texts, "texts to embed")->required();
  cmd->callback([opts, texts, batch, &rc] {
    auto model = load_model(*opts);
    const FeatureMatrix emb = model->encode_texts(*texts, *batch);
    for (size_t i = 0; i < texts->size(); ++i) print_json_line({{"text", (*texts)[i]}, {"embedding", emb.row_vector(i)}});
    rc = 0;
  });
}

void add_embed_image(CLI::App& app, int& rc) {
  auto* cmd = app.add_subcommand("embed-image", "print the L2-normalised CLIP embedding of each image FILE as JSON lines");
  auto opts = std::make_shared<ModelOptions>();
  auto files = std::make_shared<std::vector<std::string>>();
  auto batch = std::make_shared<int>(32);
  auto preset = std::make_shared<std::string>("clip");
  auto max_pixels = std::make_shared<uint64_t>(kDefaultMaxPixels);
  add_model_options(*cmd, *opts);
  add_max_pixels_option(*cmd, *max_pixels);
  cmd->add_option("--batch,--infer-batch", *batch, "images per forward pass (default: 32)")->check(CLI::PositiveNumber);
  cmd->add_option("--preprocess", *preset,
                  "clip: resize the shorter side to the model's size and centre-crop; openood: resize to 256/224 "
                  "of it first (the ANTS/OpenOOD evaluation)")
      ->check(CLI::IsMember({"clip", "openood"}));
  cmd->add_option("file", *files, "image files (JPEG, PNG, WebP, BMP)")->required();
  cmd->callback([opts, files, batch, preset, max_pixels, &rc] {
    auto model = load_model(*opts);
    ImageEmbedOptions options = image_embed_options(*model, *preset, *batch, CacheOptions{false, {}});
    options.max_pixels = *max_pixels;
    Progress progress("embedded images", files->size(), "images");
    size_t failed = 0;
    // Rows appear as they are computed, a few forward passes at a time, and memory stays flat.
    const size_t chunk = 8 * static_cast<size_t>(*batch);
    for (size_t at = 0; at < files->size(); at += chunk) {
      const std::vector<std::string> part(files->begin() + static_cast<std::ptrdiff_t>(at),
                                          files->begin() + static_cast<std::ptrdiff_t>(std::min(files->size(), at + chunk)));
      for (const auto& r : embed_image_files(*model, part, options, [&](size_t done, size_t) { progress.update(at + done); })) {
        if (r.error.empty()) {
          print_json_line({{"file", r.file}, {"embedding", r.embedding}});
        } else {
          ++failed;
          std::cerr << "ants: error: " << r.error << "\n";
          print_json_line({{"file", r.file}, {"error", r.error}});
        }
      }
      std::fflush(stdout);
    }
    progress.finish();
    rc = failed > 0 ? kExitFailure : 0;
  });
}

json tower_json(const ClipTowerInfo& t) {
  return {{"width", t.width}, {"layers", t.layers}, {"heads", t.heads}, {"mlp_width", t.mlp_width}, {"activation", t.act}};
}

void add_info(CLI::App& app, int& rc) {
  auto* cmd = app.add_subcommand("info", "describe a model: layout, sizes, dtype, parameter count (JSON)");
  auto opts = std::make_shared<ModelOptions>();
  add_model_options(*cmd, *opts);
  cmd->callback([opts, &rc] {
    auto model = load_model(*opts);
    const ClipInfo& i = model->info();
    json j = {{"model", opts->dir},
              {"layout", i.layout},
              {"weights_file", i.weights_file.string()},
              {"weights_dtype", i.weights_dtype},
              {"precision", precision_name(model->params().precision)},
              {"parameters", i.n_params},
              {"embed_dim", i.embed_dim},
              {"image_size", i.image_size},
              {"patch_size", i.patch_size},
              {"vision_arch", i.vision_arch},
              {"context_length", i.context_length},
              {"vocab_size", i.vocab_size},
              {"logit_scale", i.logit_scale},
              {"image_mean", i.image_mean},
              {"image_std", i.image_std},
              {"vision", tower_json(i.vision)},
              {"text", tower_json(i.text)}};
    if (!i.vision_stages.empty()) j["vision"]["stages"] = i.vision_stages;
    std::cout << j.dump(2) << "\n";
    rc = 0;
  });
}

void add_make_random_model(CLI::App& app, int& rc) {
  auto* cmd = app.add_subcommand("make-random-model", "write a random-weight CLIP with a real architecture's shapes");
  auto p = std::make_shared<RandomModelParams>();
  auto out = std::make_shared<std::string>();
  auto arch = std::make_shared<std::string>("tiny");
  auto dtype = std::make_shared<std::string>("f32");
  cmd->add_option("--arch", *arch, "vit-b-16, vit-b-32, tiny, rn50 or rn-tiny (ResNets: open_clip layout only)")
      ->check(CLI::IsMember({"vit-b-16", "vit-b-32", "tiny", "rn50", "rn-tiny"}));
  cmd->add_option("--out,-o", *out, "output directory")->required();
  auto* layout = cmd->add_option("--layout", p->layout, "hf (config.json + model.safetensors) or open_clip (default: hf for a ViT, open_clip for a ResNet)")
                     ->check(CLI::IsMember({"hf", "open_clip"}));
  cmd->add_option("--dtype", *dtype, "tensor dtype in the file: f32, f16 or bf16")->check(CLI::IsMember({"f32", "f16", "bf16"}));
  cmd->add_option("--seed", p->seed, "random seed");
  cmd->callback([p, out, arch, dtype, layout, &rc] {
    const std::map<std::string, RandomArch> archs{{"vit-b-16", RandomArch::vit_b_16}, {"vit-b-32", RandomArch::vit_b_32},
                                                  {"tiny", RandomArch::tiny}, {"rn50", RandomArch::rn50},
                                                  {"rn-tiny", RandomArch::rn_tiny}};
    p->arch = archs.at(*arch);
    if (layout->count() == 0 && arch->rfind("rn", 0) == 0) p->layout = "open_clip";
    p->dtype = *dtype == "f16" ? TensorDtype::f16 : *dtype == "bf16" ? TensorDtype::bf16 : TensorDtype::f32;
    write_random_model(*out, *p);
    std::cerr << "ants: wrote " << *arch << " (" << p->layout << ", " << *dtype << ") to " << *out << "\n";
    rc = 0;
  });
}

}  // namespace

void add_clip_commands(CLI::App& app, int& rc) {
  add_tokenize(app, rc);
  add_embed_text(app, rc);
  add_embed_image(app, rc);
  add_info(app, rc);
  add_make_random_model(app, rc);
}

}  // namespace ants::cli
