# cmake -DDIR=<corpus dir> -DOUT=<pack file> -P pack-corpus.cmake
# Packs the corpus word lists (names adj*txt / noun*txt) into one blob for .incbin
# (src/ood/builtin-corpus.cpp): "ANTSPACK1\n", then per file in sorted name order
# "<name>\n<size in bytes>\n<bytes>".
file(GLOB files RELATIVE ${DIR} ${DIR}/adj*txt ${DIR}/noun*txt)
list(SORT files)
set(tmp ${OUT}.partial)
file(WRITE ${tmp} "ANTSPACK1\n")
foreach(name IN LISTS files)
  file(SIZE ${DIR}/${name} size)
  file(READ ${DIR}/${name} content)
  string(LENGTH "${content}" read_size)
  if(NOT read_size EQUAL size)
    message(FATAL_ERROR "${DIR}/${name}: read ${read_size} of ${size} bytes (NUL byte in a word list?)")
  endif()
  file(APPEND ${tmp} "${name}\n${size}\n${content}")
endforeach()
file(RENAME ${tmp} ${OUT})
