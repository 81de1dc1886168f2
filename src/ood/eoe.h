// EOE (docs/method.md §12): the LLM requests that envision outlier class names, the names they
// become, and the score over [ID | outlier] labels.
#pragma once

#include <ants/matrix.h>
#include <ants/mllm.h>
#include <ants/scorer.h>

#include <string>
#include <string_view>
#include <vector>

namespace ants::ood {

// Names asked for per far request (the EOE repository's envision_nums, set by output limits).
constexpr int kEoeNamesPerRequest = 50;

// L: the option, or the reference's default for the task (far 500, near 3) when it is 0.
int eoe_count(const EoeOptions& options);

// Python's repr of a list of str, as the reference's f-string writes class_info into the prompt:
// ['tench', "Geoffroy's spider monkey"].
std::string python_list_repr(const std::vector<std::string>& items);
// The far task's first request, and each follow-up (appended to the conversation so far).
std::string eoe_far_prompt(const std::vector<std::string>& classes, int envision_nums);
std::string eoe_far_again_prompt(int envision_nums);
// The near task's request for one ID class ('_' read as a space, as the reference does).
std::string eoe_near_prompt(const std::string& cls, int envision_nums);

// The names of one raw answer. reference: the EOE repository's stringtolist (lines starting
// with "- ", that prefix removed); lenient: any list the VSNL parser reads (numbered, bulleted,
// one per line, comma-separated), cleaned.
std::vector<std::string> eoe_answer_items(std::string_view raw, MllmParse mode);

// The reference's load_llm_classes on the items of every answer: lowercased (ASCII), duplicates
// removed (first occurrence kept: the reference's set() leaves the order to the hash, and no
// score depends on it), names equal to a lowercased ID class removed; for the near task also
// names sharing a word with an ID class name (remove_overlap_class).
std::vector<std::string> eoe_labels(const std::vector<std::string>& items, const std::vector<std::string>& classes,
                                    EoeTask task);

struct EoeEnvisioned {
  std::vector<std::string> labels;
  size_t requests = 0, answered = 0;
};
// Asks `mllm` (text only). far: the first request, then max(floor(L/50) − 1, 0) follow-ups,
// each sent with the conversation so far as one message (a request without an answer ends the
// conversation); near: one request per ID class for L names.
EoeEnvisioned envision_outliers(Mllm& mllm, const std::vector<std::string>& classes, const EoeOptions& options);

// score = max_c p_c over the ID columns − β · max_j p_j over the outlier columns, p = softmax of
// [ID | outlier] logits / τ, logits = logit_scale·cos (or cos with cosine_logits). Without
// outlier rows it is the ID maximum alone.
std::vector<float> eoe_scores(const FeatureMatrix& images, const FeatureMatrix& id_texts, const FeatureMatrix& outliers,
                              float logit_scale, const EoeOptions& options);

}  // namespace ants::ood
