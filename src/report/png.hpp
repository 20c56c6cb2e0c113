#pragma once
// PNG encoding of a Canvas in memory, so a chart can be written to a file or
// embedded in an HTML report (base64) without touching the disk.
#include <string>

#include "report/canvas.hpp"

namespace fmnist::plot {

// The canvas as PNG file bytes (8-bit RGB, zlib-compressed).
std::string encode_png(const Canvas& canvas);

}  // namespace fmnist::plot
