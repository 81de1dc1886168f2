#include "ood/eoe.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <unordered_set>

#include "core/error.h"
#include "mllm/answer-parse.h"
#include "mllm/prompts.h"
#include "ood/logits.h"
#include "text/strings.h"

namespace ants::ood {

namespace {

std::vector<std::string> words_of(const std::string& phrase) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < phrase.size()) {
    const size_t end = std::min(phrase.find_first_of(" \t\n\r\v\f", start), phrase.size());
    if (end > start) out.push_back(phrase.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string fill(std::string_view name, const std::vector<std::pair<std::string_view, std::string>>& values) {
  std::string text = mllm::builtin_template(name).text;
  for (const auto& [key, value] : values) text = mllm::replace_all(text, key, value);
  return text;
}

}  // namespace

int eoe_count(const EoeOptions& o) { return o.count > 0 ? o.count : o.task == EoeTask::near ? 3 : 500; }

std::string python_list_repr(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string& s = items[i];
    // repr(str): single quotes unless the text has a single quote and no double quote.
    const char q = s.find('\'') != std::string::npos && s.find('"') == std::string::npos ? '"' : '\'';
    out += (i ? ", " : "") + std::string(1, q);
    for (char c : s) {
      if (c == '\\' || c == q) out += '\\';
      if (c == '\n') out += "\\n";
      else if (c == '\t') out += "\\t";
      else if (c == '\r') out += "\\r";
      else out += c;
    }
    out += q;
  }
  return out + "]";
}

std::string eoe_far_prompt(const std::vector<std::string>& classes, int envision_nums) {
  // The class names last: a name holding a placeholder stays as it is.
  return fill("eoe-far", {{"{num_classes}", std::to_string(classes.size())},
                          {"{envision_nums}", std::to_string(envision_nums)},
                          {"{class_info}", python_list_repr(classes)}});
}

std::string eoe_far_again_prompt(int envision_nums) {
  return fill("eoe-far-again", {{"{envision_nums}", std::to_string(envision_nums)}});
}

std::string eoe_near_prompt(const std::string& cls, int envision_nums) {
  std::string name = cls;  // the reference's category.replace('_', ' ')
  std::replace(name.begin(), name.end(), '_', ' ');
  return fill("eoe-near", {{"{envision_nums}", std::to_string(envision_nums)}, {"{class}", name}});
}

std::vector<std::string> eoe_answer_items(std::string_view raw, MllmParse mode) {
  std::vector<std::string> out;
  if (mode == MllmParse::lenient) {
    if (auto items = mllm::parse_similar(raw, MllmParse::lenient, "", SIZE_MAX)) out = std::move(*items);
    return out;
  }
  size_t start = 0;
  while (start <= raw.size()) {
    const size_t end = std::min(raw.find('\n', start), raw.size());
    const std::string_view line = raw.substr(start, end - start);
    if (line.starts_with("- ")) out.emplace_back(line.substr(2));
    start = end + 1;
  }
  return out;
}

std::vector<std::string> eoe_labels(const std::vector<std::string>& items, const std::vector<std::string>& classes,
                                    EoeTask task) {
  std::unordered_set<std::string> ids, seen, id_words;
  for (const auto& c : classes) {
    ids.insert(text::lower_ascii(c));
    for (auto& w : words_of(c)) id_words.insert(std::move(w));
  }
  std::vector<std::string> out;
  for (const auto& item : items) {
    std::string name = text::lower_ascii(item);
    if (ids.contains(name) || !seen.insert(name).second) continue;
    if (task == EoeTask::near) {
      const auto w = words_of(name);
      if (std::any_of(w.begin(), w.end(), [&](const std::string& x) { return id_words.contains(x); })) continue;
    }
    out.push_back(std::move(name));
  }
  return out;
}

EoeEnvisioned envision_outliers(Mllm& mllm, const std::vector<std::string>& classes, const EoeOptions& o) {
  EoeEnvisioned out;
  std::vector<std::string> items;
  const auto parse = [&](std::string_view raw) {
    for (auto& i : eoe_answer_items(raw, mllm.parse_mode())) items.push_back(std::move(i));
  };
  if (o.task == EoeTask::near) {
    std::vector<std::string> prompts;
    for (const auto& c : classes) prompts.push_back(eoe_near_prompt(c, eoe_count(o)));
    for (const auto& a : mllm.complete(prompts)) {
      ++out.requests;
      if (a) ++out.answered, parse(*a);
    }
  } else {
    // The reference joins the answers without a separator before parsing them, so an answer
    // without a final newline fuses its last line with the next answer's first; the lenient
    // parser reads each answer on its own.
    const bool fuse = mllm.parse_mode() == MllmParse::reference;
    std::string conversation = eoe_far_prompt(classes, kEoeNamesPerRequest), answers;
    const int follow_ups = std::max(eoe_count(o) / kEoeNamesPerRequest - 1, 0);
    for (int turn = 0; turn <= follow_ups; ++turn) {
      if (turn > 0) conversation += "\n\n" + eoe_far_again_prompt(kEoeNamesPerRequest);
      const auto reply = mllm.complete({conversation});
      ++out.requests;
      if (reply.empty() || !reply[0]) break;  // the next request would carry a gap in the conversation
      ++out.answered;
      conversation += *reply[0];
      if (fuse) answers += *reply[0];
      else parse(*reply[0]);
    }
    if (fuse) parse(answers);
  }
  out.labels = eoe_labels(items, classes, o.task);
  return out;
}

std::vector<float> eoe_scores(const FeatureMatrix& images, const FeatureMatrix& id_texts, const FeatureMatrix& outliers,
                              float logit_scale, const EoeOptions& o) {
  const float scale = static_cast<float>((o.cosine_logits ? 1.0 : logit_scale) / o.tau);
  std::vector<float> id_logits, out_logits;
  compute_logits(images, id_texts, scale, id_logits);
  if (outliers.rows > 0) compute_logits(images, outliers, scale, out_logits);
  const size_t n = id_texts.rows, m = outliers.rows;
  std::vector<float> scores(images.rows);
  for (size_t i = 0; i < images.rows; ++i) {
    const float* z = &id_logits[i * n];
    const float* u = m ? &out_logits[i * m] : nullptr;
    const float id_max = *std::max_element(z, z + n);
    const float out_max = m ? *std::max_element(u, u + m) : -INFINITY;
    const double shift = std::max(id_max, out_max);
    double sum = 0;
    for (size_t c = 0; c < n; ++c) sum += std::exp(static_cast<double>(z[c]) - shift);
    for (size_t j = 0; j < m; ++j) sum += std::exp(static_cast<double>(u[j]) - shift);
    const double p_id = std::exp(id_max - shift) / sum;
    const double p_out = m ? std::exp(out_max - shift) / sum : 0.0;
    scores[i] = static_cast<float>(p_id - o.beta * p_out);
  }
  return scores;
}

}  // namespace ants::ood
