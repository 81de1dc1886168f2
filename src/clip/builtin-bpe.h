// The original CLIP merge list (bpe_simple_vocab_16e6.txt.gz), compiled into the library.
#pragma once

#include <string_view>

namespace ants::clip {

// The gzip-compressed bytes, exactly as in data/bpe_simple_vocab_16e6.txt.gz.
std::string_view builtin_bpe_gz();

}  // namespace ants::clip
