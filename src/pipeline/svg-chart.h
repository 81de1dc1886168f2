// Inline SVG line and area charts for the report: axes with round ticks, polylines, dots and
// a legend; styled by the page's CSS classes.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace ants::pipeline::report {

// Round tick values and their spacing.
struct Ticks {
  std::vector<double> values;
  double step = 1;
};

// Ticks covering [lo, hi], about `target` of them, at 1, 2 or 5 times a power of ten.
Ticks nice_ticks(double lo, double hi, int target, bool integers = false);

// [lo, hi] widened when empty, then out to whole ticks.
std::pair<double, double> nice_range(double lo, double hi, int target);

// One chart: an SVG of w×h pixels whose plot area maps [x0, x1] × [y0, y1].
class Chart {
 public:
  Chart(int w, int h, double x0, double x1, double y0, double y1) : w_(w), h_(h), x0_(x0), x1_(x1), y0_(y0), y1_(y1) {}

  double px(double x) const { return kLeft + (x - x0_) / (x1_ - x0_) * (w_ - kLeft - kRight); }
  double py(double y) const { return h_ - kBottom - (y - y0_) / (y1_ - y0_) * (h_ - kTop - kBottom); }

  // Opening tag, title, frame, grid, ticks and axis labels.
  std::string begin(const std::string& title, const Ticks& xt, const Ticks& yt, const std::string& xlabel,
                    const std::string& ylabel) const;
  // A polyline through the points.
  std::string line(const std::vector<double>& xs, const std::vector<double>& ys, const std::string& cls) const;
  std::string dots(const std::vector<double>& xs, const std::vector<double>& ys, const std::string& cls) const;
  // Legend entries (class, text) in a row under the title.
  std::string legend(const std::vector<std::pair<std::string, std::string>>& entries) const;

  // A pixel coordinate as written into the SVG.
  static std::string c(double v);

  static constexpr int kLeft = 52, kRight = 14, kTop = 42, kBottom = 40;

 private:
  std::string grid(const Ticks& xt, const Ticks& yt) const;

  int w_, h_;
  double x0_, x1_, y0_, y1_;
};

}  // namespace ants::pipeline::report
