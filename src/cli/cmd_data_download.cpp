// fmnist data download: fetches Fashion-MNIST, MNIST or KMNIST, verified.
#include <fmt/format.h>

#include "cli/common.hpp"
#include "data/download.hpp"

namespace fmnist::cli {
namespace {

// True when `dir` is one of the places commands look in without --data.
bool in_default_search_path(const std::filesystem::path& dir) {
  for (const auto& d : default_data_dirs()) {
    std::error_code ec;
    if (std::filesystem::equivalent(d, dir, ec)) return true;
  }
  return false;
}

// " --classes NAME" when `data info` would not guess the data set from the
// directory's path (it looks for "fashion", "kmnist" and "mnist" in it).
std::string classes_hint(const DownloadOptions& o, const DownloadReport& r) {
  DataFiles files;
  files.train_images = r.dir / r.files[0].first;
  files.test_images = r.dir / r.files[2].first;
  const std::string expected = o.dataset == "fashion" ? "fashion-mnist" : o.dataset;
  return guess_dataset(files) == expected ? "" : " --classes " + o.dataset;
}

int run_download(const DownloadOptions& o) {
  const DownloadReport r = download_dataset(o);
  size_t fetched = 0;
  for (const auto& [name, outcome] : r.files) fetched += outcome != FetchOutcome::already_present;
  fmt::print(
      "{}: {} files in {} ({} downloaded, {} already present), {} training and {} test "
      "images, checksums verified.\n",
      r.title, r.files.size(), r.dir.string(), fetched, r.files.size() - fetched, r.train_images,
      r.test_images);
  fmt::print("Use them with: fmnist data info --data {}{}\n", r.dir.string(), classes_hint(o, r));
  if (in_default_search_path(r.dir)) {
    fmt::print("({} is in the default data path: commands run from here find it without --data.)\n",
               r.dir.string());
  }
  return 0;
}

}  // namespace

void add_data_download(CLI::App* data, Globals& g, Action& action) {
  auto o = std::make_shared<DownloadOptions>();
  auto* cmd = data->add_subcommand(
      "download", "Download a data set's four IDX files, resumable and checksum-verified");
  cmd->add_option("--dataset", o->dataset, "Which data set")
      ->check(CLI::IsMember({"fashion", "mnist", "kmnist"}))
      ->capture_default_str();
  cmd->add_option("--to", o->to,
                  "Directory for the files [default: data/fashion-mnist, data/mnist or "
                  "data/kmnist]")
      ->option_text("DIR");
  cmd->add_option("--mirror", o->mirror,
                  "Base URL to fetch the files from instead of the published mirror")
      ->option_text("URL");
  cmd->add_option("--checksums", o->checksums,
                  "md5sum/sha256sum-style file whose sums replace the built-in ones for the "
                  "files it names (for a mirror that recompresses)")
      ->option_text("FILE");
  cmd->add_flag("--force", o->force,
                "Download every file again from scratch, even if present or partly downloaded");
  cmd->footer(
      "Files go to DIR/NAME.part first (resumed on the next run if interrupted) and take their\n"
      "final name only once their checksum matches.\n\n"
      "Examples:\n"
      "  fmnist data download\n"
      "  fmnist data download --dataset mnist --to data/mnist\n"
      "  fmnist data download --mirror https://example.org/fmnist/ --checksums SUMS.md5");
  cmd->callback([o, &action] { action = [o] { return run_download(*o); }; });
}

}  // namespace fmnist::cli
