// Zero-shot classification with the ants public API: embed one image and a few texts, print the
// softmax over logit_scale * cosine similarity, as CLIP does.
//   zero-shot MODEL_DIR IMAGE TEXT [TEXT...]
#include <ants/clip.h>

#include <cmath>
#include <cstdio>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s MODEL_DIR IMAGE TEXT [TEXT...]\n", argv[0]);
    return 2;
  }
  try {
    auto model = ants::ClipModel::load(argv[1]);  // bf16 where the CPU supports it, all cores
    const int d = model->info().embed_dim;

    ants::ImageRGB8 image = ants::decode_image_file(argv[2]);
    const ants::PreprocessParams pp = model->preprocess_params();
    std::vector<float> pixels(3 * static_cast<size_t>(pp.crop_size) * pp.crop_size);
    ants::preprocess_image(image, pp, pixels.data());
    std::vector<float> image_emb(static_cast<size_t>(d));
    model->encode_images(pixels.data(), 1, image_emb.data());

    std::vector<std::string> texts(argv + 3, argv + argc);
    const ants::FeatureMatrix text_emb = model->encode_texts(texts);

    std::vector<double> logits(texts.size());
    double max_logit = -1e30, sum = 0;
    for (size_t i = 0; i < texts.size(); ++i) {
      double cos = 0;
      for (int k = 0; k < d; ++k) cos += image_emb[k] * text_emb.row(i)[k];  // rows are unit vectors
      logits[i] = model->info().logit_scale * cos;
      max_logit = std::max(max_logit, logits[i]);
    }
    for (double& l : logits) sum += (l = std::exp(l - max_logit));
    for (size_t i = 0; i < texts.size(); ++i) std::printf("%.4f\t%s\n", logits[i] / sum, texts[i].c_str());
  } catch (const ants::Error& e) {
    std::fprintf(stderr, "zero-shot: %s\n", e.what());
    return 1;
  }
  return 0;
}
