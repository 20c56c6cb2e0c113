#include "report/assets.hpp"

// .incbin copies the file into the object as it is: no generated source and
// no compiler limit on string literal sizes. FMNIST_PLOTLY_JS is set by CMake.
asm(".section .rodata\n"
    ".global fmnist_plotly_js_begin\n"
    ".global fmnist_plotly_js_end\n"
    "fmnist_plotly_js_begin:\n"
    ".incbin \"" FMNIST_PLOTLY_JS
    "\"\n"
    "fmnist_plotly_js_end:\n"
    ".byte 0\n"
    ".previous\n");

extern "C" const char fmnist_plotly_js_begin[];
extern "C" const char fmnist_plotly_js_end[];

namespace fmnist::report {

std::string_view plotly_js() {
  return {fmnist_plotly_js_begin,
          static_cast<size_t>(fmnist_plotly_js_end - fmnist_plotly_js_begin)};
}

}  // namespace fmnist::report
