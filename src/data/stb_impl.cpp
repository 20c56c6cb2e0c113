// The one translation unit that compiles the stb single-header libraries
// into the engine (the tests link them from here too).
//
// Debian also ships them prebuilt (libstb.so), but built with every decoder
// stb has. We want the image decoder limited to the formats we document: TGA
// has no signature, so with it enabled random bytes can "decode" as an image
// instead of failing as corrupt.
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_ONLY_GIF
#define STBI_ONLY_PNM
// Files are read with read_file, whose errors name the path.
#define STBI_NO_STDIO
// "Corrupt PNG" rather than "bad zlib header": these reach the user.
#define STBI_FAILURE_USERMSG
#define STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>

#define STB_IMAGE_RESIZE_IMPLEMENTATION
#include <stb_image_resize.h>
