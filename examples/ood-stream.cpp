// OOD scores for a folder of images with the pipeline API (what `ants detect` does, without the
// CLI): class list, cached image embeddings, then the detector batch by batch. Prints one
// "score<TAB>class<TAB>file" line per image (higher score = more in-distribution).
//   ood-stream MODEL_DIR CLASSES(imagenet|cifar10|cifar100|FILE) DIR [ants|neglabel|mcm]
#include <ants/pipeline.h>

#include <algorithm>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s MODEL_DIR CLASSES DIR [ants|neglabel|mcm]\n", argv[0]);
    return 2;
  }
  try {
    auto model = ants::ClipModel::load(argv[1]);
    ants::ScorerOptions options;
    options.method = ants::parse_method(argc > 4 ? argv[4] : "ants");
    // Without an MLLM (nullptr) ANTS keeps the NegLabel bank only; pass an ants::Mllm to grow it.
    ants::OodScorer scorer(*model, ants::load_classes(argv[2]), options, nullptr);

    ants::ImageFeatureOptions features;
    features.preprocess = ants::preprocess_preset(*model, "clip");
    features.preprocess_name = "clip";
    const std::vector<std::string> files = ants::collect_image_files({argv[3]});
    constexpr size_t batch = 256;  // the detector's batch: how often ANTS updates its state
    int failed = 0;
    for (size_t at = 0; at < files.size(); at += batch) {
      const std::vector<std::string> chunk(files.begin() + static_cast<std::ptrdiff_t>(at),
                                           files.begin() + static_cast<std::ptrdiff_t>(std::min(files.size(), at + batch)));
      for (const ants::ScoredImage& r : scorer.score(ants::embed_images_cached(*model, chunk, features))) {
        if (!r.error.empty()) {
          std::fprintf(stderr, "ood-stream: %s\n", r.error.c_str());  // one bad file, the rest go on
          ++failed;
          continue;
        }
        std::printf("%.6f\t%s\t%s\n", r.score, scorer.classes()[static_cast<size_t>(r.pred)].c_str(), r.file.c_str());
      }
    }
    return failed > 0 ? 1 : 0;
  } catch (const ants::Error& e) {
    std::fprintf(stderr, "ood-stream: %s\n", e.what());
    return 2;
  }
}
