#include "models/trees/cart.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <queue>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "core/threads.hpp"
#include "models/trees/histogram.hpp"

namespace fmnist::trees {
namespace {

using namespace detail;

// Features whose histograms are filled in one pass over a node's rows:
// 32 x 10 KB of counters stay in the 1 MB L2 cache.
constexpr int kBlock = 32;
// Nodes holding at least 1/kColumnShare of the training set read columns,
// kColumnGroup histograms per pass (4 x 10 KB stay in L1).
constexpr size_t kColumnShare = 16;
constexpr int kColumnGroup = 4;
// Below this many samples, occupied bins are marked while counting; above,
// found afterwards from the counters.
constexpr size_t kMarkBelow = 4096;
// Nodes with fewer (samples x features) run their features on one thread.
constexpr size_t kParallelWork = size_t{1} << 18;
// When every feature is tried at every node, a node of at least kKeepMin
// samples keeps the histograms of all its features, so that after its split
// only the smaller child is counted and the larger one is parent - smaller.
// Below that, counting the larger child costs less than the subtraction.
// CartParams::kept_histograms bounds the memory (dim x 10 KB each, 7.8 MB
// for 28 x 28 images); without a free one, a node counts its samples as usual.
constexpr size_t kKeepMin = 2048;

// Per-thread scratch: histograms of a block of features and, for small
// nodes, a byte per bin marking it occupied. Both are kept all zero between
// uses (scans clear what they touched).
struct Workspace {
  std::vector<uint32_t> hist = std::vector<uint32_t>(kBlock * kHist, 0);
  std::vector<uint8_t> seen = std::vector<uint8_t>(kBlock * kBins, 0);
  const uint8_t* src[kBlock] = {};
  uint32_t* dst[kBlock] = {};
};

// A node waiting to be split or made a leaf.
struct Open {
  int node = 0;
  uint32_t begin = 0, end = 0;
  int depth = 0;
  uint32_t counts[kC] = {};
  uint32_t weight = 0;
  // Features constant over the node's samples, one bit each: they stay
  // constant below, so descendants skip them.
  std::vector<uint64_t> constant;
  int hist = -1;  // kept histograms of every feature, if any (Builder::kept_)
  Split split;
  double gain = 0;  // weighted impurity decrease of `split`
  size_t size() const { return end - begin; }
};

class Builder {
 public:
  Builder(const TrainMatrix& data, std::span<const uint32_t> weights, const CartParams& p,
          uint64_t seed, bool parallel)
      : d_(data), p_(p), rng_(seed) {
    if (!weights.empty() && weights.size() != d_.n) {
      fail("tree: {} sample weights for {} samples", weights.size(), d_.n);
    }
    uint64_t total = 0;
    for (size_t i = 0; i < d_.n; ++i) {
      const uint32_t wi = weights.empty() ? 1 : weights[i];
      if (wi == 0) continue;
      idx_.push_back(static_cast<uint32_t>(i));
      y_.push_back(d_.labels[i]);
      w_.push_back(wi);
      total += wi;
    }
    if (idx_.empty()) fail("tree: no training samples");
    if (total >= std::numeric_limits<uint32_t>::max()) fail("tree: sample weights too large");
    if (p_.criterion == Criterion::entropy) {
      xlogx_.resize(total + 1);
      for (uint64_t c = 1; c <= total; ++c) xlogx_[c] = static_cast<double>(c) * std::log(c);
    }
    all_features_ = p_.max_features <= 0 || p_.max_features >= static_cast<int>(d_.dim);
    mtry_ = all_features_ ? static_cast<int>(d_.dim) : p_.max_features;
    features_.resize(d_.dim);
    std::iota(features_.begin(), features_.end(), 0);
    found_constant_.assign(d_.dim, 0);
    nthreads_ = parallel ? std::max(1, threads()) : 1;
    ws_.resize(nthreads_);
    tmp_idx_.resize(idx_.size());
    tmp_y_.resize(idx_.size());
    tmp_w_.resize(idx_.size());
    tree_.importance.assign(d_.dim, 0.0);
  }

  Tree build() {
    Open root;
    root.end = static_cast<uint32_t>(idx_.size());
    root.constant.assign((d_.dim + 63) / 64, 0);
    for (size_t k = 0; k < idx_.size(); ++k) {
      root.counts[y_[k]] += w_[k];
      root.weight += w_[k];
    }
    tree_.nodes.emplace_back();
    const bool best_first = p_.max_leaf_nodes > 0;
    // Depth-first: a stack, searched when popped so a subtree's rows are
    // still in cache. Best-first: the largest impurity decrease first.
    std::vector<Open> stack;
    auto later = [](const Open& a, const Open& b) {
      return a.gain != b.gain ? a.gain < b.gain : a.node > b.node;
    };
    std::priority_queue<Open, std::vector<Open>, decltype(later)> heap(later);
    if (best_first) {
      search(root);
      heap.push(std::move(root));
    } else {
      stack.push_back(std::move(root));
    }
    int leaves = 1;
    while (best_first ? !heap.empty() : !stack.empty()) {
      Open o;
      if (best_first) {
        o = heap.top();
        heap.pop();
      } else {
        o = std::move(stack.back());
        stack.pop_back();
        search(o);
      }
      if (!o.split.valid() || (best_first && leaves >= p_.max_leaf_nodes)) {
        make_leaf(o);
        continue;
      }
      const uint32_t mid = partition(o);
      const int left = static_cast<int>(tree_.nodes.size());
      tree_.nodes.resize(tree_.nodes.size() + 2);
      auto& nd = tree_.nodes[o.node];
      nd.child = left;
      nd.feature = static_cast<int16_t>(o.split.feature);
      nd.threshold = static_cast<uint8_t>(o.split.threshold);
      tree_.importance[o.split.feature] += o.gain;
      ++leaves;
      Open l, r;
      l.node = left;
      r.node = left + 1;
      l.begin = o.begin;
      l.end = r.begin = mid;
      r.end = o.end;
      l.depth = r.depth = o.depth + 1;
      for (int c = 0; c < kC; ++c) {
        l.counts[c] = o.split.left[c];
        r.counts[c] = o.counts[c] - o.split.left[c];
      }
      l.weight = o.split.left_weight;
      r.weight = o.weight - l.weight;
      l.constant = o.constant;
      r.constant = o.constant;
      hand_down(o, l, r);
      if (best_first) {
        search(l);
        search(r);
        heap.push(std::move(l));
        heap.push(std::move(r));
      } else {
        stack.push_back(std::move(r));
        stack.push_back(std::move(l));
      }
    }
    const double sum = std::accumulate(tree_.importance.begin(), tree_.importance.end(), 0.0);
    if (sum > 0)
      for (double& v : tree_.importance) v /= sum;
    return std::move(tree_);
  }

 private:
  // The node's weighted impurity as the criterion's score (see scan_fixed).
  double node_score(const Open& o) const {
    if (p_.criterion == Criterion::gini) {
      uint64_t s = 0;
      for (int c = 0; c < kC; ++c) s += uint64_t{o.counts[c]} * o.counts[c];
      return static_cast<double>(s) / o.weight;
    }
    double s = -xlogx_[o.weight];
    for (int c = 0; c < kC; ++c) s += xlogx_[o.counts[c]];
    return s;
  }

  NodeStats stats(const Open& o) const {
    NodeStats ns;
    ns.counts = o.counts;
    ns.weight = o.weight;
    for (int c = 0; c < kC; ++c)
      if (o.counts[c] > 0) ns.cls[ns.present++] = c;
    ns.min_leaf = static_cast<uint32_t>(p_.min_samples_leaf);
    ns.gini = p_.criterion == Criterion::gini;
    ns.xlogx = xlogx_.data();
    return ns;
  }

  void search(Open& o) {
    const uint32_t most = *std::max_element(o.counts, o.counts + kC);
    if (most == o.weight) return;  // pure
    if (p_.max_depth > 0 && o.depth >= p_.max_depth) return;
    if (o.weight < static_cast<uint32_t>(p_.min_samples_split)) return;
    if (o.weight < 2 * static_cast<uint32_t>(p_.min_samples_leaf)) return;
    o.split = find_split(o);
    if (o.split.valid()) o.gain = o.split.score - node_score(o);
  }

  static bool has(const std::vector<uint64_t>& bits, int f) { return bits[f >> 6] >> (f & 63) & 1; }

  std::vector<int> live_features(const Open& o) const {
    std::vector<int> fs;
    for (int f = 0; f < static_cast<int>(d_.dim); ++f)
      if (!has(o.constant, f)) fs.push_back(f);
    return fs;
  }

  // Runs fn(block, workspace) for blocks 0..n-1, over the thread budget when
  // there is enough work. Blocks write only their own results.
  template <typename Fn>
  void for_blocks(int n, size_t work, Fn fn) {
    if (nthreads_ > 1 && n > 1 && work >= kParallelWork) {
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads_)
      for (int b = 0; b < n; ++b) fn(b, ws_[omp_get_thread_num()]);
    } else {
      for (int b = 0; b < n; ++b) fn(b, ws_[0]);
    }
  }

  // Searches node o and adds the features found constant to o.constant.
  Split find_split(Open& o) {
    const NodeStats ns = stats(o);
    Split best;
    std::vector<int> tried;
    if (all_features_) {
      // Every feature not known to be constant, in order: the tree has no
      // randomness.
      tried = live_features(o);
      if (o.hist < 0 && o.size() >= kKeepMin && (o.hist = acquire()) >= 0) fill(o.hist, o, tried);
      const int n = static_cast<int>(tried.size()), blocks = (n + kBlock - 1) / kBlock;
      std::vector<Split> found(blocks);
      for_blocks(blocks, o.size() * n, [&](int b, Workspace& ws) {
        const int nf = std::min(kBlock, n - b * kBlock);
        found[b] = o.hist >= 0 ? scan_kept(o.hist, tried.data() + b * kBlock, nf, ns)
                               : count_and_scan(ws, tried.data() + b * kBlock, nf, o, ns);
      });
      // In feature order, ties to the first: the same with any thread count.
      for (const auto& s : found)
        if (s.score > best.score) best = s;
    } else {
      // Draw max_features without replacement (a partial Fisher-Yates over
      // features_), then one at a time while every drawn one was constant.
      // As in scikit-learn, drawing a known constant feature uses up a draw.
      int drawn = 0, nonconstant = 0;
      const int dim = static_cast<int>(d_.dim);
      auto draw = [&](int count) {
        const size_t first = tried.size();
        for (int i = 0; i < count && drawn < dim; ++i, ++drawn) {
          std::swap(features_[drawn], features_[drawn + rng_.below(dim - drawn)]);
          if (!has(o.constant, features_[drawn])) tried.push_back(features_[drawn]);
        }
        for (size_t at = first; at < tried.size(); at += kBlock) {
          const int nf = static_cast<int>(std::min<size_t>(kBlock, tried.size() - at));
          Split s = count_and_scan(ws_[0], tried.data() + at, nf, o, ns);
          if (s.score > best.score) best = s;
          for (int t = 0; t < nf; ++t) nonconstant += !found_constant_[tried[at + t]];
        }
      };
      draw(mtry_);
      while (nonconstant == 0 && drawn < dim) draw(1);
    }
    for (int f : tried) {
      if (found_constant_[f]) {
        o.constant[f >> 6] |= uint64_t{1} << (f & 63);
        found_constant_[f] = 0;
      }
    }
    return best;
  }

  // Counts node o's samples into dst[0..nf) for features fs[0..nf), marking
  // occupied bins in ws.seen when `mark`.
  void count(Workspace& ws, const int* fs, int nf, const Open& o, uint32_t* const* dst, bool mark) {
    const size_t m = o.size();
    const bool columns = m * kColumnShare >= d_.n;
    for (int t = 0; t < nf; ++t) {
      ws.src[t] = columns ? d_.cols.data() + static_cast<size_t>(fs[t]) * d_.n : d_.rows + fs[t];
    }
    const size_t stride = columns ? 1 : d_.dim;
    // The cache lines a row's features fall in (rows are not line-aligned,
    // so every 64 bytes from the first feature to the last).
    int prefetch[16], nprefetch = 0;
    if (!columns) {
      const int lo = *std::min_element(fs, fs + nf), hi = *std::max_element(fs, fs + nf);
      for (int at = lo; at < hi && nprefetch < 15; at += 64) prefetch[nprefetch++] = at;
      prefetch[nprefetch++] = hi;
    }
    const uint32_t* idx = idx_.data() + o.begin;
    const uint8_t* y = y_.data() + o.begin;
    const uint32_t* w = w_.data() + o.begin;
    if (mark) {
      accumulate<true>(idx, y, w, m, ws.src, stride, nf, dst, ws.seen.data(), d_.rows, prefetch,
                       nprefetch);
    } else {
      accumulate<false>(idx, y, w, m, ws.src, stride, nf, dst, ws.seen.data(), d_.rows, prefetch,
                        nprefetch);
    }
  }

  // The best split over features fs[0..nf) for node o, counted into the
  // workspace; records constant features in found_constant_.
  Split count_and_scan(Workspace& ws, const int* fs, int nf, const Open& o, const NodeStats& ns) {
    const bool mark = o.size() < kMarkBelow;
    // Columns stream in order, so few histograms at a time keep them in L1;
    // scattered rows are fetched once for the whole block.
    const int group = o.size() * kColumnShare >= d_.n ? kColumnGroup : nf;
    Split best;
    for (int g0 = 0; g0 < nf; g0 += group) {
      const int ng = std::min(group, nf - g0);
      for (int t = 0; t < ng; ++t) ws.dst[t] = ws.hist.data() + t * kHist;
      count(ws, fs + g0, ng, o, ws.dst, mark);
      for (int t = 0; t < ng; ++t) {
        uint64_t mask[4];
        if (mark) {
          take_marks(ws.seen.data() + t * kBins, mask);
        } else {
          find_occupied(ws.dst[t], ns, mask);
        }
        // one byte per feature: threads never share one
        if (!scan(ws.dst[t], mask, fs[g0 + t], ns, true, best)) found_constant_[fs[g0 + t]] = 1;
      }
    }
    return best;
  }

  // The best split over features fs[0..nf) from kept histograms.
  Split scan_kept(int hist, const int* fs, int nf, const NodeStats& ns) {
    Split best;
    for (int t = 0; t < nf; ++t) {
      uint32_t* h = kept_[hist].data() + static_cast<size_t>(fs[t]) * kHist;
      uint64_t mask[4];
      find_occupied(h, ns, mask);
      if (!scan(h, mask, fs[t], ns, false, best)) found_constant_[fs[t]] = 1;
    }
    return best;
  }

  // Kept histograms `hist` of node o for features fs.
  void fill(int hist, const Open& o, const std::vector<int>& fs) {
    const int n = static_cast<int>(fs.size()), blocks = (n + kBlock - 1) / kBlock;
    const int group = o.size() * kColumnShare >= d_.n ? kColumnGroup : kBlock;
    for_blocks(blocks, o.size() * n, [&](int b, Workspace& ws) {
      const int* bf = fs.data() + b * kBlock;
      const int nf = std::min(kBlock, n - b * kBlock);
      for (int g0 = 0; g0 < nf; g0 += group) {
        const int ng = std::min(group, nf - g0);
        uint32_t* dst[kBlock];
        for (int t = 0; t < ng; ++t) {
          dst[t] = kept_[hist].data() + static_cast<size_t>(bf[g0 + t]) * kHist;
          std::fill_n(dst[t], kHist, 0u);
        }
        count(ws, bf + g0, ng, o, dst, false);
      }
    });
  }

  // After o's split: the children's kept histograms, when the larger one is
  // big enough for them to pay. The smaller child is counted; the larger
  // takes over o's histograms minus the smaller's.
  void hand_down(Open& o, Open& l, Open& r) {
    if (o.hist < 0) return;
    Open& small = l.size() <= r.size() ? l : r;
    Open& large = l.size() <= r.size() ? r : l;
    if (large.size() >= kKeepMin && (small.hist = acquire()) >= 0) {
      const std::vector<int> fs = live_features(o);
      fill(small.hist, small, fs);
      uint32_t* parent = kept_[o.hist].data();
      const uint32_t* part = kept_[small.hist].data();
      const int n = static_cast<int>(fs.size());
      for_blocks(n, o.size() * n, [&](int t, Workspace&) {
        const size_t at = static_cast<size_t>(fs[t]) * kHist;
        for (size_t i = 0; i < kHist; ++i) parent[at + i] -= part[at + i];
      });
      large.hist = o.hist;
    } else {
      release(o.hist);
    }
    o.hist = -1;
  }

  int acquire() {
    if (!all_features_) return -1;
    if (!free_.empty()) {
      const int h = free_.back();
      free_.pop_back();
      return h;
    }
    if (static_cast<int>(kept_.size()) >= p_.kept_histograms) return -1;
    kept_.emplace_back(d_.dim * kHist);
    return static_cast<int>(kept_.size()) - 1;
  }
  void release(int hist) {
    if (hist >= 0) free_.push_back(hist);
  }

  // Stable partition of the node's samples: pixel <= threshold first, so
  // each node's sample indices stay ascending (reads in memory order).
  uint32_t partition(const Open& o) {
    const uint8_t* col = d_.cols.data() + static_cast<size_t>(o.split.feature) * d_.n;
    const auto thr = static_cast<uint8_t>(o.split.threshold);
    uint32_t l = o.begin, r = 0;
    for (uint32_t k = o.begin; k < o.end; ++k) {
      if (col[idx_[k]] <= thr) {
        idx_[l] = idx_[k];
        y_[l] = y_[k];
        w_[l] = w_[k];
        ++l;
      } else {
        tmp_idx_[r] = idx_[k];
        tmp_y_[r] = y_[k];
        tmp_w_[r] = w_[k];
        ++r;
      }
    }
    std::copy_n(tmp_idx_.begin(), r, idx_.begin() + l);
    std::copy_n(tmp_y_.begin(), r, y_.begin() + l);
    std::copy_n(tmp_w_.begin(), r, w_.begin() + l);
    return l;
  }

  void make_leaf(Open& o) {
    release(o.hist);
    o.hist = -1;
    auto& nd = tree_.nodes[o.node];
    nd.feature = -1;
    nd.child = static_cast<int32_t>(tree_.leaves());
    for (int c = 0; c < kC; ++c) {
      tree_.proba.push_back(static_cast<float>(static_cast<double>(o.counts[c]) / o.weight));
    }
  }

  const TrainMatrix& d_;
  CartParams p_;
  Rng rng_;
  bool all_features_ = true;
  int mtry_ = 0, nthreads_ = 1;
  std::vector<uint32_t> idx_, w_, tmp_idx_, tmp_w_;
  std::vector<uint8_t> y_, tmp_y_;
  std::vector<double> xlogx_;
  std::vector<int> features_;
  std::vector<uint8_t> found_constant_;
  std::vector<Workspace> ws_;
  std::vector<std::vector<uint32_t>> kept_;  // dim x kHist each
  std::vector<int> free_;
  Tree tree_;
};

}  // namespace

TrainMatrix::TrainMatrix(const Dataset& data)
    : n(data.size()), dim(data.image_size()), rows(data.pixels.data()), labels(data.labels.data()) {
  if (dim > static_cast<size_t>(std::numeric_limits<int16_t>::max())) {
    fail("tree: images of {} pixels; trees take at most {}", dim,
         std::numeric_limits<int16_t>::max());
  }
  if (n >= std::numeric_limits<uint32_t>::max()) fail("tree: too many training images ({})", n);
  cols.resize(n * dim);
  // Tiled so both sides of the transpose stay in cache.
  constexpr size_t kTile = 64;
  const auto tiles = static_cast<int64_t>((dim + kTile - 1) / kTile);
#pragma omp parallel for schedule(static) num_threads(std::max(1, threads()))
  for (int64_t tj = 0; tj < tiles; ++tj) {
    const size_t j0 = tj * kTile, j1 = std::min(dim, j0 + kTile);
    for (size_t i0 = 0; i0 < n; i0 += kTile) {
      const size_t i1 = std::min(n, i0 + kTile);
      for (size_t j = j0; j < j1; ++j)
        for (size_t i = i0; i < i1; ++i) cols[j * n + i] = rows[i * dim + j];
    }
  }
}

Tree build_tree(const TrainMatrix& data, std::span<const uint32_t> weights,
                const CartParams& params, uint64_t rng_seed, bool parallel) {
  return Builder(data, weights, params, rng_seed, parallel).build();
}

}  // namespace fmnist::trees
