// ants/callbacks.h — the callbacks long-running library calls take.
#pragma once

#include <cstddef>
#include <functional>

namespace ants {

// Called on the calling thread with the units done so far and the total of the call (texts,
// images, ...). May be empty.
using ProgressFn = std::function<void(size_t done, size_t total)>;

// Polled between units of work (batches); returning true stops the call at the next boundary,
// leaving every state consistent (a stream keeps the batches it finished). May be empty.
using CancelFn = std::function<bool()>;

}  // namespace ants
