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

}  // namespace fmnist
