// Internal helpers to raise ants::Error with a file-prefixed one-line message.
#pragma once

#include <ants/error.h>

#include <string>
#include <string_view>

namespace ants::core {

[[noreturn]] inline void fail(ErrorCode code, std::string_view where, std::string_view what) {
  std::string msg;
  if (!where.empty()) {
    msg.append(where).append(": ");
  }
  msg.append(what);
  throw Error(code, msg);
}

}  // namespace ants::core
