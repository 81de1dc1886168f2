// The rows of `ants detect`: CSV or JSON lines, one per input, errors included.
#include <ants/stream.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>

#include "core/error.h"
#include "pipeline/csv.h"

namespace ants {

RowWriter::RowWriter(const std::filesystem::path& path, bool append, std::ostream& fallback)
    : jsonl_(path.native().ends_with(".jsonl") || path.native().ends_with(".json")), out_(&fallback) {
  if (!path.empty()) {
    file_.open(path, append ? std::ios::app : std::ios::trunc);
    if (!file_) core::fail(ErrorCode::io, path.string(), "cannot open for writing");
    out_ = &file_;
  }
  if (!jsonl_ && !append) *out_ << "file,pred,pred_name,prob,score,ood,error\n";
  name_ = path.empty() ? "stdout" : path.string();
}

void RowWriter::write(const ScoredImage& r, const std::vector<std::string>& classes, std::optional<double> threshold) {
  const bool ok = r.error.empty();
  if (jsonl_) {
    nlohmann::json j{{"file", r.file}};
    if (ok) {
      j.update({{"pred", r.pred}, {"pred_name", classes[static_cast<size_t>(r.pred)]}, {"prob", r.prob}, {"score", r.score}});
      if (threshold) j["ood"] = r.score < *threshold;
    } else {
      j["error"] = r.error;
    }
    *out_ << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else if (ok) {
    const std::string ood = threshold ? (r.score < *threshold ? "1" : "0") : "";
    char nums[64];
    std::snprintf(nums, sizeof nums, ",%.9g,%.9g,", r.prob, r.score);
    *out_ << csv_field(r.file) << "," << r.pred << "," << csv_field(classes[static_cast<size_t>(r.pred)]) << nums << ood
          << ",\n";
  } else {
    *out_ << csv_field(r.file) << ",,,,,," << csv_field(r.error) << "\n";
  }
}

void RowWriter::flush() {
  out_->flush();
  if (!*out_) core::fail(ErrorCode::io, name_, "write failed");
}

}  // namespace ants
