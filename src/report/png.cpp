#include "report/png.hpp"

#include <cstdlib>

#include <zlib.h>

#include "core/error.hpp"

namespace {

// stb_image_write's own deflate is simple and slow; zlib makes smaller files
// in less time. stb frees the result with free(), so it must come from malloc.
unsigned char* zlib_compress_for_stb(unsigned char* data, int size, int* out_size, int quality) {
  uLongf bound = compressBound(static_cast<uLong>(size));
  auto* out = static_cast<unsigned char*>(std::malloc(bound));
  if (!out) return nullptr;
  const int level = quality < 1 ? 1 : quality > 9 ? 9 : quality;
  if (compress2(out, &bound, data, static_cast<uLong>(size), level) != Z_OK) {
    std::free(out);
    return nullptr;
  }
  *out_size = static_cast<int>(bound);
  return out;
}

}  // namespace

// The one definition of stb_image_write in the project; static, so a second
// copy elsewhere could not clash at link time.
#define STBIW_ZLIB_COMPRESS zlib_compress_for_stb
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <stb_image_write.h>
#pragma GCC diagnostic pop

namespace fmnist::plot {

std::string encode_png(const Canvas& canvas) {
  std::string out;
  auto append = [](void* ctx, void* data, int size) {
    static_cast<std::string*>(ctx)->append(static_cast<const char*>(data),
                                           static_cast<size_t>(size));
  };
  const int ok = stbi_write_png_to_func(append, &out, canvas.width(), canvas.height(), 3,
                                        canvas.rgb().data(), canvas.width() * 3);
  if (!ok || out.empty()) fail("png: cannot encode a {}x{} image", canvas.width(), canvas.height());
  return out;
}

}  // namespace fmnist::plot
