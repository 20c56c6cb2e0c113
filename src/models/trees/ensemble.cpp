#include "models/trees/ensemble.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <numeric>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/threads.hpp"

namespace fmnist::trees {
namespace {

static_assert(std::endian::native == std::endian::little, "trees.bin is little-endian");

constexpr char kMagic[8] = {'F', 'M', 'N', 'T', 'R', 'E', 'E', 'S'};
constexpr uint32_t kVersion = 1;
constexpr const char* kFile = "trees.bin.gz";

template <typename T>
void put(std::string& out, const T* values, size_t count) {
  out.append(reinterpret_cast<const char*>(values), count * sizeof(T));
}
template <typename T>
void put(std::string& out, T value) {
  put(out, &value, 1);
}

// Reads a little-endian buffer front to back, failing on truncation.
class Reader {
 public:
  Reader(const std::vector<uint8_t>& bytes, std::string name)
      : bytes_(bytes), name_(std::move(name)) {}
  template <typename T>
  void get(T* values, size_t count) {
    const size_t size = count * sizeof(T);
    if (size > bytes_.size() - pos_) fail("{}: truncated at byte {}", name_, pos_);
    std::memcpy(values, bytes_.data() + pos_, size);
    pos_ += size;
  }
  template <typename T>
  T get() {
    T v;
    get(&v, 1);
    return v;
  }
  bool done() const { return pos_ == bytes_.size(); }
  size_t left() const { return bytes_.size() - pos_; }
  const std::string& name() const { return name_; }

 private:
  const std::vector<uint8_t>& bytes_;
  std::string name_;
  size_t pos_ = 0;
};

}  // namespace

void Ensemble::predict_proba(const Dataset& data, float* out, const std::string& model) const {
  if (data.rows != rows || data.cols != cols) {
    fail("{}: model expects {}x{} images, data has {}x{}", model, rows, cols, data.rows, data.cols);
  }
  if (trees.empty()) fail("{}: not fitted", model);
  constexpr size_t kChunk = 256;  // rows of a chunk stay in L2 while every tree passes
  const size_t n = data.size(), d = dim(), chunks = (n + kChunk - 1) / kChunk;
  const double scale = 1.0 / static_cast<double>(trees.size());
  const int nthreads = static_cast<int>(std::clamp<size_t>(chunks, 1, std::max(1, threads())));
#pragma omp parallel num_threads(nthreads)
  {
    std::vector<double> acc(kChunk * kNumClasses);
#pragma omp for schedule(dynamic, 1)
    for (size_t c = 0; c < chunks; ++c) {
      const size_t start = c * kChunk, m = std::min(kChunk, n - start);
      std::fill(acc.begin(), acc.end(), 0.0);
      const uint8_t* px = data.pixels.data() + start * d;
      for (const Tree& t : trees) {
        for (size_t i = 0; i < m; ++i) {
          const float* p = t.leaf(px + i * d);
          for (int k = 0; k < kNumClasses; ++k) acc[i * kNumClasses + k] += p[k];
        }
      }
      for (size_t i = 0; i < m * kNumClasses; ++i) {
        out[start * kNumClasses + i] = static_cast<float>(acc[i] * scale);
      }
    }
  }
}

void Ensemble::set_importance() {
  importance.assign(dim(), 0.0);
  for (const Tree& t : trees) {
    if (t.nodes.size() <= 1) continue;
    for (size_t j = 0; j < importance.size(); ++j) importance[j] += t.importance[j];
  }
  const double sum = std::accumulate(importance.begin(), importance.end(), 0.0);
  if (sum > 0)
    for (double& v : importance) v /= sum;
}

FeatureImportance Ensemble::feature_importance() const {
  FeatureImportance fi;
  fi.kind = "impurity";
  fi.overall.assign(importance.begin(), importance.end());
  return fi;
}

int64_t Ensemble::nodes() const {
  int64_t total = 0;
  for (const Tree& t : trees) total += static_cast<int64_t>(t.nodes.size());
  return total;
}

void Ensemble::save(const std::filesystem::path& dir) const {
  std::string out;
  put(out, kMagic, sizeof kMagic);
  put(out, kVersion);
  put(out, static_cast<uint32_t>(trees.size()));
  put(out, static_cast<uint32_t>(rows));
  put(out, static_cast<uint32_t>(cols));
  put(out, static_cast<uint32_t>(kNumClasses));
  for (const Tree& t : trees) {
    const size_t n = t.nodes.size();
    put(out, static_cast<uint32_t>(n));
    put(out, static_cast<uint32_t>(t.leaves()));
    for (const auto& nd : t.nodes) put(out, nd.feature);
    for (const auto& nd : t.nodes) put(out, nd.threshold);
    for (const auto& nd : t.nodes) put(out, nd.child);
    put(out, t.proba.data(), t.proba.size());
  }
  put(out, importance.data(), importance.size());
  // Level 1: pure leaves (nine zeros and a one) make most of the bytes and
  // shrink as well as with a slower level.
  const auto gz = gzip_compress(out, 1);
  write_file_atomic(dir / kFile,
                    std::string_view(reinterpret_cast<const char*>(gz.data()), gz.size()));
}

void Ensemble::load(const std::filesystem::path& dir) {
  const auto path = dir / kFile;
  const auto bytes = read_maybe_gzip(path);
  Reader r(bytes, path.string());
  Ensemble e;  // assigned to *this only once whole and checked
  char magic[sizeof kMagic];
  r.get(magic, sizeof magic);
  if (std::memcmp(magic, kMagic, sizeof kMagic) != 0)
    fail("{}: not an fmnist trees file", r.name());
  if (const auto v = r.get<uint32_t>(); v != kVersion) {
    fail("{}: format version {}, this build reads {}", r.name(), v, kVersion);
  }
  const auto count = r.get<uint32_t>();
  e.rows = static_cast<int>(r.get<uint32_t>());
  e.cols = static_cast<int>(r.get<uint32_t>());
  if (const auto classes = r.get<uint32_t>(); classes != kNumClasses) {
    fail("{}: {} classes, expected {}", r.name(), classes, kNumClasses);
  }
  if (e.rows <= 0 || e.cols <= 0 || e.dim() > 32767)
    fail("{}: bad image size {}x{}", r.name(), e.rows, e.cols);
  // Sizes are checked against the bytes left before anything is allocated,
  // so a corrupt count cannot ask for gigabytes.
  constexpr size_t kNodeBytes = 2 + 1 + 4, kLeafBytes = 4 * kNumClasses;
  if (count == 0 || count > r.left() / (8 + kNodeBytes + kLeafBytes)) {
    fail("{}: {} trees do not fit in the file", r.name(), count);
  }
  std::vector<Tree> loaded(count);
  for (uint32_t ti = 0; ti < count; ++ti) {
    Tree& t = loaded[ti];
    const auto n = r.get<uint32_t>(), leaves = r.get<uint32_t>();
    if (n == 0 || leaves == 0 || leaves > n ||
        uint64_t{n} * kNodeBytes + uint64_t{leaves} * kLeafBytes > r.left()) {
      fail("{}: tree {}: {} nodes and {} leaves do not fit in the file", r.name(), ti, n, leaves);
    }
    std::vector<int16_t> feature(n);
    std::vector<uint8_t> threshold(n);
    std::vector<int32_t> child(n);
    r.get(feature.data(), n);
    r.get(threshold.data(), n);
    r.get(child.data(), n);
    t.proba.resize(static_cast<size_t>(leaves) * kNumClasses);
    r.get(t.proba.data(), t.proba.size());
    t.nodes.resize(n);
    for (uint32_t i = 0; i < n; ++i) {
      // Children come after their parent, so a traversal always ends.
      const bool leaf = feature[i] < 0;
      const bool ok =
          leaf ? feature[i] == -1 && child[i] >= 0 && static_cast<uint32_t>(child[i]) < leaves
               : static_cast<size_t>(feature[i]) < e.dim() && child[i] > static_cast<int64_t>(i) &&
                     static_cast<int64_t>(child[i]) + 1 < static_cast<int64_t>(n);
      if (!ok) fail("{}: tree {}: node {} is malformed", r.name(), ti, i);
      t.nodes[i] = {child[i], feature[i], threshold[i]};
    }
  }
  e.importance.resize(e.dim());
  r.get(e.importance.data(), e.importance.size());
  if (!r.done()) fail("{}: trailing bytes after the last tree", r.name());
  e.trees = std::move(loaded);
  *this = std::move(e);
}

}  // namespace fmnist::trees
