// ants/export.h — what libants exports. The shared library is built with hidden visibility, so
// only declarations marked ANTS_API are part of its ABI.
#pragma once

#if defined(ANTS_STATIC_DEFINE)
#define ANTS_API
#else
#define ANTS_API __attribute__((visibility("default")))
#endif
