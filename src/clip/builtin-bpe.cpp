#include "clip/builtin-bpe.h"

#include "core/embedded-file.h"

ANTS_EMBED_FILE(ants_bpe_gz, ANTS_BPE_GZ_PATH);

namespace ants::clip {

std::string_view builtin_bpe_gz() { return ANTS_EMBEDDED_BYTES(ants_bpe_gz); }

}  // namespace ants::clip
