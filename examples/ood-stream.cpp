// OOD scores for a folder of images with the library (what `ants detect` does, without the CLI):
// class list, scorer, then the folder as one file stream in detector batches. Prints one
// "score<TAB>class<TAB>file" line per image (higher score = more in-distribution).
//   ood-stream MODEL_DIR CLASSES(imagenet|cifar10|cifar100|FILE) DIR [ants|neglabel|mcm]
#include <ants/pipeline.h>

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

    ants::FileStreamOptions stream;
    stream.batch = 256;  // the detector's batch: how often ANTS updates its state
    stream.embed = ants::image_embed_options(*model, "clip");
    const auto result = ants::run_file_stream(*model, scorer, ants::collect_image_files({argv[3]}), stream,
                                              [&](const std::vector<ants::ScoredImage>& rows) {
      for (const ants::ScoredImage& r : rows) {
        if (!r.error.empty()) {
          std::fprintf(stderr, "ood-stream: %s\n", r.error.c_str());  // one bad file, the rest go on
          continue;
        }
        std::printf("%.6f\t%s\t%s\n", r.score, scorer.classes()[static_cast<size_t>(r.pred)].c_str(), r.file.c_str());
      }
    });
    return result.failed > 0 ? 1 : 0;
  } catch (const ants::Error& e) {
    std::fprintf(stderr, "ood-stream: %s\n", e.what());
    return 2;
  }
}
