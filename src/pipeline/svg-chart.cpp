#include "pipeline/svg-chart.h"

#include <algorithm>
#include <cmath>

#include "pipeline/html-text.h"

namespace ants::pipeline::report {

namespace {

std::string tick_label(double v, double step) {
  const int decimals = std::clamp(static_cast<int>(-std::floor(std::log10(step) + 1e-9)), 0, 6);
  return fixed(v, decimals);
}

}  // namespace

Ticks nice_ticks(double lo, double hi, int target, bool integers) {
  Ticks t;
  const double span = hi - lo;
  const double raw = span / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  t.step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  if (integers) t.step = std::max(1.0, std::round(t.step));
  for (double v = std::ceil(lo / t.step - 1e-9) * t.step; v <= hi + t.step * 1e-9; v += t.step)
    t.values.push_back(std::fabs(v) < t.step * 1e-9 ? 0.0 : v);
  return t;
}

std::pair<double, double> nice_range(double lo, double hi, int target) {
  if (!(hi > lo)) {
    const double pad = std::max(std::fabs(lo) * 0.1, 0.5);
    lo -= pad, hi += pad;
  }
  const Ticks t = nice_ticks(lo, hi, target);
  return {std::floor(lo / t.step + 1e-9) * t.step, std::ceil(hi / t.step - 1e-9) * t.step};
}

std::string Chart::begin(const std::string& title, const Ticks& xt, const Ticks& yt, const std::string& xlabel,
                         const std::string& ylabel) const {
  std::string s = "<svg role='img' width='" + std::to_string(w_) + "' height='" + std::to_string(h_) +
                  "' viewBox='0 0 " + std::to_string(w_) + " " + std::to_string(h_) + "'>";
  s += "<title>" + esc(title) + "</title>";
  s += "<text x='" + std::to_string(w_ / 2) + "' y='16' class='title'>" + esc(title) + "</text>";
  s += grid(xt, yt);
  s += "<rect class='frame' x='" + c(px(x0_)) + "' y='" + c(py(y1_)) + "' width='" + c(px(x1_) - px(x0_)) +
       "' height='" + c(py(y0_) - py(y1_)) + "'/>";
  const double mid_x = (px(x0_) + px(x1_)) / 2, mid_y = (py(y0_) + py(y1_)) / 2;
  s += "<text class='axis' x='" + c(mid_x) + "' y='" + std::to_string(h_ - 8) + "'>" + esc(xlabel) + "</text>";
  s += "<text class='axis' x='14' y='" + c(mid_y) + "' transform='rotate(-90 14 " + c(mid_y) + ")'>" + esc(ylabel) +
       "</text>";
  return s;
}

// A grid line and a label per tick.
std::string Chart::grid(const Ticks& xt, const Ticks& yt) const {
  std::string s;
  for (double x : xt.values) {
    s += "<line class='grid' x1='" + c(px(x)) + "' x2='" + c(px(x)) + "' y1='" + c(py(y0_)) + "' y2='" + c(py(y1_)) + "'/>";
    s += "<text class='tick' x='" + c(px(x)) + "' y='" + c(py(y0_) + 14) + "'>" + tick_label(x, xt.step) + "</text>";
  }
  for (double y : yt.values) {
    s += "<line class='grid' x1='" + c(px(x0_)) + "' x2='" + c(px(x1_)) + "' y1='" + c(py(y)) + "' y2='" + c(py(y)) + "'/>";
    s += "<text class='tick y' x='" + c(px(x0_) - 4) + "' y='" + c(py(y) + 3.5) + "'>" + tick_label(y, yt.step) + "</text>";
  }
  return s;
}

// Consecutive points on the same 0.1-pixel spot are merged: a curve of 100,000 ROC points stays
// a few thousand vertices.
std::string Chart::line(const std::vector<double>& xs, const std::vector<double>& ys, const std::string& cls) const {
  std::string pts, last;
  for (size_t i = 0; i < xs.size(); ++i) {
    std::string p = c(px(xs[i])) + "," + c(py(ys[i]));
    if (p == last) continue;
    pts += (pts.empty() ? "" : " ") + p;
    last = std::move(p);
  }
  return "<polyline class='" + cls + "' points='" + pts + "'/>";
}

std::string Chart::dots(const std::vector<double>& xs, const std::vector<double>& ys, const std::string& cls) const {
  std::string s;
  for (size_t i = 0; i < xs.size(); ++i)
    s += "<circle class='" + cls + "' r='2.2' cx='" + c(px(xs[i])) + "' cy='" + c(py(ys[i])) + "'/>";
  return s;
}

std::string Chart::legend(const std::vector<std::pair<std::string, std::string>>& entries) const {
  std::string s;
  double x = kLeft;
  for (const auto& [cls, text] : entries) {
    s += "<rect class='key " + cls + "' x='" + c(x) + "' y='25' width='12' height='10'/>";
    s += "<text class='legend' x='" + c(x + 16) + "' y='34'>" + esc(text) + "</text>";
    x += 28 + 6.5 * static_cast<double>(text.size());  // a rough text width: no font metrics here
  }
  return s;
}

std::string Chart::c(double v) { return fixed(v, 1); }

}  // namespace ants::pipeline::report
