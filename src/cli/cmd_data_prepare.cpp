// fmnist data prepare: shows what a model will see of your own images by
// writing their 28x28 Fashion-MNIST-style versions as PNG files.
#include <map>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "cli/common.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "data/image.hpp"

namespace fmnist::cli {
namespace {

struct PrepareOptions {
  std::vector<std::string> images;
  std::string out;
  std::string invert = "auto";
};

struct Prepared {
  fs::path input, output;
  int width = 0, height = 0;  // of the input
  FittedImage fitted;
};

// out/<stem>.png for each input, refusing names that would collide or
// overwrite an input, before any work is done.
std::vector<fs::path> output_paths(const std::vector<std::string>& images, const fs::path& dir) {
  std::map<fs::path, std::string> taken;
  std::vector<fs::path> outputs;
  for (const auto& image : images) {
    fs::path out = dir / fs::path(image).stem();
    out += ".png";
    auto [it, fresh] = taken.emplace(out, image);
    if (!fresh) {
      fail("{} and {} would both be written to {}; rename one of them", it->second, image,
           out.string());
    }
    std::error_code ec;
    if (fs::equivalent(image, out, ec)) {
      fail("{}: would be overwritten by its own 28x28 version; choose another --out directory",
           image);
    }
    outputs.push_back(out);
  }
  return outputs;
}

std::string describe(const Prepared& p) {
  const FittedImage& f = p.fitted;
  std::string s = fmt::format("{}x{}", p.width, p.height);
  if (f.inverted) s += ", inverted";
  if (!f.reframed) return s + ", already the target size: kept as is";
  if (f.object.width == 0) return s + ", blank";
  return s + fmt::format(", object {}x{} scaled to {}x{}", f.object.width, f.object.height,
                         f.placed.width, f.placed.height);
}

void warn_about(const Prepared& p, Invert invert) {
  const std::string name = p.input.string();
  if (p.fitted.reframed && p.fitted.object.width == 0) {
    log::warn("{}: nothing stands out from the background; the result is black", name);
  }
  if (p.fitted.background > 127 && invert != Invert::automatic) {
    log::warn("{}: light background after --invert {}; models expect bright on black", name,
              invert == Invert::yes ? "yes" : "no");
  }
}

int run_prepare(const PrepareOptions& o) {
  const fs::path dir = o.out;
  const std::vector<fs::path> outputs = output_paths(o.images, dir);
  const Invert invert = o.invert == "yes"  ? Invert::yes
                        : o.invert == "no" ? Invert::no
                                           : Invert::automatic;
  const FitOptions fit{.invert = invert};

  // Decode everything before writing anything: a bad file in the list
  // leaves no half-done output directory behind.
  std::vector<Prepared> prepared;
  for (size_t i = 0; i < o.images.size(); ++i) {
    const GreyImage grey = decode_image(o.images[i]);
    prepared.push_back(
        {o.images[i], outputs[i], grey.width, grey.height, fit_like_fashion_mnist(grey, fit)});
  }

  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail("{}: cannot create the output directory: {}", dir.string(), ec.message());
  for (const Prepared& p : prepared) {
    const std::vector<uint8_t> png = encode_png(p.fitted.image);
    write_file_atomic(p.output,
                      std::string_view(reinterpret_cast<const char*>(png.data()), png.size()));
    warn_about(p, invert);
    fmt::print("{} -> {} ({})\n", p.input.string(), p.output.string(), describe(p));
  }
  return 0;
}

}  // namespace

void add_data_prepare(CLI::App* data, Globals& g, Action& action) {
  auto o = std::make_shared<PrepareOptions>();
  auto* cmd = data->add_subcommand(
      "prepare", "Write your images as the 28x28 grey versions a model sees (PNG files)");
  cmd->add_option("IMAGE", o->images, "PNG, JPEG, BMP, GIF or PGM/PPM files, any size or colour")
      ->required();
  cmd->add_option("--out", o->out, "Directory for the 28x28 PNG files (same base names)")
      ->required();
  cmd->add_option("--invert", o->invert,
                  "Negate the image: auto does so when the background is light, so garments "
                  "are bright on black like the data set")
      ->check(CLI::IsMember({"auto", "yes", "no"}))
      ->capture_default_str();
  cmd->footer(
      "Each image is trimmed to its object, scaled so its longest edge is 28 pixels, "
      "sharpened, centred on black and negated if its background is light, the way "
      "Fashion-MNIST was made from product photos. Images that are already 28x28 are only "
      "negated (if at all).\n\n"
      "Examples:\n"
      "  fmnist data prepare photos/shirt.jpg photos/boot.png --out prepared/\n"
      "  fmnist data prepare scan.pgm --out prepared/ --invert no");
  cmd->callback([o, &action] { action = [o] { return run_prepare(*o); }; });
}

}  // namespace fmnist::cli
