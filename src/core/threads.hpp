#pragma once
// One thread budget for the whole process (--threads). Every component that
// runs in parallel (OpenMP loops, OpenBLAS, LibTorch, XGBoost) reads it here
// or is told through a hook, so `--threads 1` really means one core.
#include <functional>

namespace fmnist {

// 0 means "all cores". Applies to OpenMP and OpenBLAS and calls the hooks.
void set_threads(int n);
int threads();
int hardware_threads();
// A component with its own pool (LibTorch, XGBoost) registers here.
void on_threads_changed(std::function<void(int)> hook);

// Call first thing in main(). Idle OpenMP and OpenBLAS threads spin before
// they sleep; both runtimes read how long only when they are loaded. On a
// 2-core machine a net's training step is hundreds of short OpenMP regions
// and a few OpenBLAS products: sleeping at once makes every region pay a
// wake-up (MobileNetV2 trains 1.3x slower fully passive), spinning long
// (libgomp's 3 ms, OpenBLAS's 0.1 s) burns the core the other runtime needs.
// Unless the user set them, this bounds both (GOMP_SPINCOUNT=20000,
// OPENBLAS_THREAD_TIMEOUT=4) and re-executes the program once; if that
// fails it carries on. Figures: docs/DESIGN.md, "Threads and waiting".
void tame_idle_threads(char** argv);

}  // namespace fmnist
