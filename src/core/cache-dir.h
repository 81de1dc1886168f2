// Where ants keeps files it can always recompute (text-embedding caches, ...): one directory for
// the whole project.
#pragma once

#include <filesystem>

namespace ants::core {

// $ANTS_CACHE_DIR if set and non-empty; else $XDG_CACHE_HOME/ants when XDG_CACHE_HOME is an
// absolute path (the XDG spec says relative values are to be ignored); else $HOME/.cache/ants.
// Empty when none of these is available: callers then run without a cache. The directory is not
// created here.
std::filesystem::path default_cache_dir();

}  // namespace ants::core
