#pragma once

namespace fmnist {

// Call first thing in main(). A training step allocates and frees the same
// multi-megabyte tensors every time; with glibc's defaults many of them are
// mmap'ed fresh and unmapped on free (or trimmed off the heap top), so each
// step page-faults its activations back in and spends a third of its time in
// the kernel. This keeps freed blocks of up to 32 MB in the heap for reuse
// (docs/DESIGN.md, "Neural networks": 436k -> 83k page faults, 251 -> 743
// training images/s for the cnn-rnn). Skipped when the user set any of
// glibc's MALLOC_* tunables themselves.
void keep_freed_memory_for_reuse();

}  // namespace fmnist
