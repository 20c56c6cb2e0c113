#include "core/memory.hpp"

#include <cstdlib>
#include <initializer_list>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace fmnist {

void keep_freed_memory_for_reuse() {
#if defined(__GLIBC__)
  for (const char* var :
       {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES"})
    if (std::getenv(var)) return;
  // 32 MB is the largest mmap threshold glibc accepts on 64-bit. Setting
  // the trim threshold alone would make it static at its 128 kB default,
  // which is far worse (2.7M page faults in the measurement above).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
#endif
}

}  // namespace fmnist
