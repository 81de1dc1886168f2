// The Prometheus text exposition format (version 0.0.4), written by hand: counters, gauges and
// cumulative histograms with labels.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ants::server {

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}
  void observe(double v);
  // `name`_bucket{labels,le=...} (cumulative), _sum and _count lines.
  void write(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;
  double sum_ = 0;
  uint64_t count_ = 0;
};

// `# HELP` and `# TYPE` lines of one metric family.
void write_family(std::string& out, const std::string& name, const std::string& type, const std::string& help);
// name{labels} value
void write_sample(std::string& out, const std::string& name, const std::string& labels, double value);
// A label value with \, " and newlines escaped: key="value".
std::string label(const std::string& key, const std::string& value);

}  // namespace ants::server
