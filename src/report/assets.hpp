#pragma once
// Files the report inlines, embedded in the binary at build time so a
// report needs nothing installed where it is written or opened.
#include <string_view>

namespace fmnist::report {

// plotly.js (cartesian bundle) from js/node_modules, as pinned in
// js/package-lock.json.
std::string_view plotly_js();

}  // namespace fmnist::report
