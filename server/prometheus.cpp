#include "prometheus.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ants::server {

namespace {
std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}
std::string join(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + "," + b;
}
}  // namespace

void Histogram::observe(double v) {
  const size_t i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  counts_[i] += 1;
  sum_ += v;
  count_ += 1;
}

void Histogram::write(std::string& out, const std::string& name, const std::string& labels) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i];
    const std::string le = label("le", i < bounds_.size() ? number(bounds_[i]) : "+Inf");
    write_sample(out, name + "_bucket", join(labels, le), static_cast<double>(cumulative));
  }
  write_sample(out, name + "_sum", labels, sum_);
  write_sample(out, name + "_count", labels, static_cast<double>(count_));
}

void write_family(std::string& out, const std::string& name, const std::string& type, const std::string& help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ").append(name).append(" ").append(type).append("\n");
}

void write_sample(std::string& out, const std::string& name, const std::string& labels, double value) {
  out.append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.append(" ").append(number(value)).append("\n");
}

std::string label(const std::string& key, const std::string& value) {
  std::string out = key;
  out.append("=\"");
  for (char c : value) {
    if (c == '\n') {
      out.append("\\n");
      continue;
    }
    if (c == '\\' || c == '"') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace ants::server
