// "{}" templates for class names and corpus words.
#include <ants/negatives.h>

#include "core/error.h"

namespace ants {

std::string apply_template(std::string_view tmpl, std::string_view name) {
  const size_t at = tmpl.find("{}");
  if (at == std::string_view::npos || tmpl.find("{}", at + 2) != std::string_view::npos) {
    core::fail(ErrorCode::invalid_argument, "template '" + std::string(tmpl) + "'", "must contain exactly one {}");
  }
  std::string out(tmpl.substr(0, at));
  out.append(name).append(tmpl.substr(at + 2));
  return out;
}

}  // namespace ants
