#include "data/source.hpp"

#include <cstdlib>
#include <future>

#include "core/error.hpp"
#include "core/log.hpp"
#include "data/csv.hpp"
#include "data/idx.hpp"
#include "data/split.hpp"

namespace fmnist {
namespace fs = std::filesystem;
namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_csv_name(const fs::path& p) {
  const std::string name = p.filename().string();
  return ends_with(name, ".csv") || ends_with(name, ".csv.gz");
}

// First existing file among the IDX spellings for one split and kind:
// "train-images-idx3-ubyte", "train-images.idx3-ubyte", each raw or .gz.
std::optional<fs::path> find_idx(const fs::path& dir, const std::string& split,
                                 const std::string& kind, int dims) {
  const std::string stems[] = {split + "-" + kind + "-idx" + std::to_string(dims) + "-ubyte",
                               split + "-" + kind + ".idx" + std::to_string(dims) + "-ubyte"};
  for (const auto& stem : stems) {
    for (const char* ext : {"", ".gz"}) {
      fs::path p = dir / (stem + ext);
      std::error_code ec;
      if (fs::exists(p, ec)) return p;
    }
  }
  return std::nullopt;
}

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
  auto at = s.rfind(from);
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

}  // namespace

std::vector<fs::path> default_data_dirs() {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("FMNIST_DATA"); env && *env) dirs.emplace_back(env);
  dirs.emplace_back("data/fashion-mnist");
  dirs.emplace_back("/usr/share/datasets/fashion-mnist");
  return dirs;
}

std::optional<DataFiles> find_data_files(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return std::nullopt;
  DataFiles f;
  auto tri = find_idx(dir, "train", "images", 3);
  auto trl = find_idx(dir, "train", "labels", 1);
  auto tei = find_idx(dir, "t10k", "images", 3);
  auto tel = find_idx(dir, "t10k", "labels", 1);
  if (!tei) tei = find_idx(dir, "test", "images", 3);
  if (!tel) tel = find_idx(dir, "test", "labels", 1);
  if (tri && trl && tei && tel) {
    f.format = DataFormat::idx;
    f.train_images = *tri;
    f.train_labels = *trl;
    f.test_images = *tei;
    f.test_labels = *tel;
    return f;
  }
  // Kaggle's layout: fashion-mnist_train.csv and fashion-mnist_test.csv (any
  // names with "train" and "test" will do, if each is unambiguous).
  std::vector<fs::path> train_csv, test_csv;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file() || !is_csv_name(entry.path())) continue;
    const std::string name = entry.path().filename().string();
    if (name.find("train") != std::string::npos) train_csv.push_back(entry.path());
    else if (name.find("test") != std::string::npos) test_csv.push_back(entry.path());
  }
  if (train_csv.size() == 1 && test_csv.size() == 1) {
    f.format = DataFormat::csv;
    f.train_images = train_csv[0];
    f.test_images = test_csv[0];
    return f;
  }
  if (train_csv.size() > 1 || test_csv.size() > 1) {
    fail("{}: several training or test CSV files; name them with --train FILE --test FILE",
         dir.string());
  }
  return std::nullopt;
}

namespace {
[[noreturn]] void no_layout(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) fail("{}: no such directory", dir.string());
  if (!fs::is_directory(dir, ec)) {
    fail("{}: --data takes a directory; for single files use --train FILE --test FILE",
         dir.string());
  }
  fail("{}: no Fashion-MNIST files found: expected train-images-idx3-ubyte[.gz], "
       "train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz] "
       "(or the '.idx3-ubyte' spelling), or a *train*.csv and a *test*.csv",
       dir.string());
}
}  // namespace

DataFiles locate_data(const DataOptions& opts) {
  if (!opts.train.empty() || !opts.test.empty()) {
    if (opts.train.empty() || opts.test.empty()) fail("--train and --test go together");
    DataFiles f;
    f.format = is_csv_name(opts.train) ? DataFormat::csv : DataFormat::idx;
    f.train_images = opts.train;
    f.test_images = opts.test;
    f.origin = "--train " + opts.train + " --test " + opts.test;
    return f;
  }
  if (!opts.data.empty()) {
    auto f = find_data_files(opts.data);
    if (!f) no_layout(opts.data);
    f->origin = opts.data + " (--data)";
    return *f;
  }
  std::string looked;
  for (const auto& dir : default_data_dirs()) {
    if (auto f = find_data_files(dir)) {
      const char* env = std::getenv("FMNIST_DATA");
      f->origin = dir.string() + (env && dir == fs::path(env) ? " ($FMNIST_DATA)" : "");
      return *f;
    }
    looked += (looked.empty() ? "" : ", ") + dir.string();
  }
  fail("no data found (looked in {}); pass --data DIR, set $FMNIST_DATA, run 'fmnist data "
       "download', or install Debian's dataset-fashion-mnist",
       looked);
}

Dataset load_data_file(const fs::path& file) {
  std::error_code ec;
  if (fs::is_directory(file, ec)) fail("{}: is a directory, expected a file", file.string());
  if (!fs::exists(file, ec)) fail("{}: no such file", file.string());
  if (is_csv_name(file)) return load_csv(file);
  std::string name = file.filename().string();
  fs::path images = file, labels;
  if (name.find("labels") != std::string::npos && name.find("images") == std::string::npos) {
    // The user named the labels file; the images file is its twin.
    std::swap(images, labels);
    images = file.parent_path() /
             replace_once(replace_once(name, "labels-idx1", "images-idx3"), "labels.idx1", "images.idx3");
    labels = file;
  } else {
    labels = file.parent_path() /
             replace_once(replace_once(name, "images-idx3", "labels-idx1"), "images.idx3", "labels.idx1");
  }
  if (labels == images) {
    fail("{}: cannot tell the labels file for this IDX file: name it like "
         "'train-images-idx3-ubyte' so the labels are 'train-labels-idx1-ubyte', or use CSV",
         file.string());
  }
  // The twin may differ in compression: accept either.
  for (const fs::path& p : {labels, fs::path(labels.string() + ".gz"),
                            fs::path(ends_with(labels.string(), ".gz")
                                         ? labels.string().substr(0, labels.string().size() - 3)
                                         : labels.string())}) {
    if (fs::exists(p, ec)) {
      labels = p;
      break;
    }
  }
  return load_idx(images, labels);
}

std::array<std::string, kNumClasses> class_names_for(const std::string& dataset) {
  if (dataset == "fashion-mnist" || dataset == "fashion")
    return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  if (dataset == "mnist") return {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  if (dataset == "kmnist")
    return {"o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"};
  std::array<std::string, kNumClasses> names;
  for (int c = 0; c < kNumClasses; ++c) names[c] = "class " + std::to_string(c);
  return names;
}

std::string guess_dataset(const DataFiles& files) {
  // The file names and their folder, not the whole path: a checkout called
  // "fmnist" must not make every data set look like MNIST.
  auto near = [](const fs::path& p) {
    return p.parent_path().filename().string() + "/" + p.filename().string();
  };
  std::string all = near(files.train_images) + " " + near(files.test_images);
  for (auto& ch : all) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (size_t at; (at = all.find("fmnist")) != std::string::npos;) all.replace(at, 6, "");
  if (all.find("fashion") != std::string::npos) return "fashion-mnist";
  if (all.find("kmnist") != std::string::npos) return "kmnist";
  if (all.find("mnist") != std::string::npos) return "mnist";
  return "custom";
}

DataSplits load_data(const DataOptions& opts) {
  DataFiles files = locate_data(opts);
  log::debug("data: train {} / test {}", files.train_images.string(), files.test_images.string());
  auto load = [&](const fs::path& images, const fs::path& labels) {
    if (files.format == DataFormat::idx && !labels.empty()) return load_idx(images, labels);
    return load_data_file(images);
  };
  auto test = std::async(std::launch::async, load, files.test_images, files.test_labels);
  Dataset train = load(files.train_images, files.train_labels);
  DataSplits s;
  s.test = test.get();
  if (train.rows != s.test.rows || train.cols != s.test.cols) {
    fail("{} has {}x{} images but {} has {}x{}; they must match", train.source, train.rows,
         train.cols, s.test.source, s.test.rows, s.test.cols);
  }
  if (opts.val > 0) {
    auto [tr, va] = split_validation(train, opts.val, opts.seed);
    s.train = std::move(tr);
    s.val = std::move(va);
  } else {
    s.train = std::move(train);
    s.val.rows = s.train.rows;
    s.val.cols = s.train.cols;
  }
  s.val.source = s.train.source + " (validation hold-out)";
  std::string which = opts.classes;
  if (which == "auto") which = guess_dataset(files);
  s.dataset_name = which == "fashion" ? "fashion-mnist" : which;
  if (s.dataset_name != "fashion-mnist" && s.dataset_name != "mnist" &&
      s.dataset_name != "kmnist" && s.dataset_name != "custom" && s.dataset_name != "generic") {
    fail("--classes '{}': expected fashion, mnist, kmnist, generic or auto", opts.classes);
  }
  s.class_names = class_names_for(s.dataset_name);
  s.origin = files.origin;
  return s;
}

}  // namespace fmnist
