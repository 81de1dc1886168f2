#include "ood/builtin-corpus.h"

#include "core/embedded-file.h"

ANTS_EMBED_FILE(ants_corpus_pack, ANTS_CORPUS_PACK_PATH);

namespace ants::ood {

std::string_view builtin_corpus_pack() { return ANTS_EMBEDDED_BYTES(ants_corpus_pack); }

}  // namespace ants::ood
