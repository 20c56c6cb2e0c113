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

// Call first thing in main(). libgomp reads OMP_WAIT_POLICY once, when it is
// loaded, and by default spins idle threads for a while after every parallel
// region; on a busy machine, or beside OpenBLAS's own threads, those spinners
// starve the threads doing the work (LibTorch training measured 4-20x slower
// on a shared 2-core box). Unless the user chose a policy, this sets
// PASSIVE and re-executes the program once; if that fails it carries on.
void prefer_passive_openmp(char** argv);

}  // namespace fmnist
