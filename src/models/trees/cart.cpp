#include "models/trees/cart.hpp"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <queue>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "core/threads.hpp"

namespace fmnist::trees {
namespace {

constexpr int kC = kNumClasses;
constexpr int kBins = 256;
constexpr size_t kHist = static_cast<size_t>(kBins) * kC;  // counters per feature
// Features whose histograms are filled in one pass over a node's samples:
// 32 x 10 KB of counters stay in the 1 MB L2 cache.
constexpr int kBlock = 32;
// Below this many samples, occupied bins are marked while counting; above,
// found afterwards from the counters.
constexpr size_t kMarkBelow = 4096;
// Nodes holding at least 1/kColumnShare of the training set read columns.
constexpr size_t kColumnShare = 16;
// Nodes with fewer (samples x features) run their features on one thread.
constexpr size_t kParallelWork = size_t{1} << 18;
// Histograms filled per pass over a column node: 4 x 10 KB stay in L1.
constexpr int kColumnGroup = 4;
// How many samples ahead rows are prefetched.
constexpr size_t kPrefetchAhead = 8;

struct Split {
  double score = -std::numeric_limits<double>::infinity();  // larger is better
  int feature = -1;
  int threshold = 0;
  uint32_t left[kC] = {};  // weighted class counts going left
  uint32_t left_weight = 0;
  bool valid() const { return feature >= 0; }
};

// Per-thread scratch: histograms of a block of features and, for small
// nodes, a byte per bin marking it occupied. Both are kept all zero between
// uses (scans clear what they touched).
struct Workspace {
  std::vector<uint32_t> hist = std::vector<uint32_t>(kBlock * kHist, 0);
  std::vector<uint8_t> seen = std::vector<uint8_t>(kBlock * kBins, 0);
  const uint8_t* src[kBlock] = {};
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
  Split split;
  double gain = 0;  // weighted impurity decrease of `split`
};

// Counts every sample of a node into the histograms of nf features at once:
// one pass over the samples, each reading nf bytes (src[t][idx * stride]).
// kMark also marks occupied bins in `seen`: a plain store, so repeated
// values do not chain read-modify-writes the way setting bits would.
template <bool kMark>
void accumulate(const uint32_t* idx, const uint8_t* y, const uint32_t* w, size_t m,
                const uint8_t* const* src, size_t stride, int nf, uint32_t* hist, uint8_t* seen,
                const uint8_t* prefetch_base, const int* prefetch, int nprefetch) {
  for (size_t k = 0; k < m; ++k) {
    // Rows are scattered over the whole training set: ask for the bytes of
    // a later row now, so they arrive while this one is counted.
    if (k + kPrefetchAhead < m) {
      const uint8_t* ahead = prefetch_base + idx[k + kPrefetchAhead] * stride;
      for (int i = 0; i < nprefetch; ++i)
        _mm_prefetch(reinterpret_cast<const char*>(ahead + prefetch[i]), _MM_HINT_T0);
    }
    const size_t off = idx[k] * stride;
    const uint32_t yk = y[k], wk = w[k];
    for (int t = 0; t < nf; ++t) {
      const uint32_t v = src[t][off];
      hist[t * kHist + v * kC + yk] += wk;
      if constexpr (kMark) seen[t * kBins + v] = 1;
    }
  }
}

// The occupied bins of one `seen` row as four 64-bit masks; clears the row.
void take_marks(uint8_t* seen, uint64_t* mask) {
  const __m256i zero = _mm256_setzero_si256();
  for (int q = 0; q < kBins / 32; ++q) {
    auto* p = reinterpret_cast<__m256i*>(seen + 32 * q);
    const __m256i v = _mm256_loadu_si256(p);
    const auto empty = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, zero)));
    const uint64_t occupied = ~empty;
    if (q % 2 == 0) {
      mask[q / 2] = occupied;
    } else {
      mask[q / 2] |= occupied << 32;
    }
    _mm256_storeu_si256(p, zero);
  }
}

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
    mtry_ = p_.max_features <= 0 ? static_cast<int>(d_.dim)
                                 : std::min(p_.max_features, static_cast<int>(d_.dim));
    features_.resize(d_.dim);
    found_constant_.assign(d_.dim, 0);
    std::iota(features_.begin(), features_.end(), 0);
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
    if (best_first) search(root);
    // Depth-first: a stack, searched when popped so a subtree's rows are
    // still in cache. Best-first: the largest impurity decrease first.
    std::vector<Open> stack;
    auto later = [](const Open& a, const Open& b) {
      return a.gain != b.gain ? a.gain < b.gain : a.node > b.node;
    };
    std::priority_queue<Open, std::vector<Open>, decltype(later)> heap(later);
    if (best_first) {
      heap.push(root);
    } else {
      stack.push_back(root);
    }
    int leaves = 1;
    while (best_first ? !heap.empty() : !stack.empty()) {
      Open o;
      if (best_first) {
        o = heap.top();
        heap.pop();
      } else {
        o = stack.back();
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
      r.constant = std::move(o.constant);
      if (best_first) {
        search(l);
        search(r);
        heap.push(l);
        heap.push(r);
      } else {
        stack.push_back(r);
        stack.push_back(l);
      }
    }
    const double sum = std::accumulate(tree_.importance.begin(), tree_.importance.end(), 0.0);
    if (sum > 0)
      for (double& v : tree_.importance) v /= sum;
    return std::move(tree_);
  }

 private:
  // The criterion as a score to maximise over splits: minus the children's
  // weighted impurity, up to a constant (sum L^2 / wl for Gini, sum L log L
  // - wl log wl for entropy).
  double part(const uint32_t* c, uint32_t w) const {
    if (p_.criterion == Criterion::gini) {
      uint64_t s = 0;
      for (int k = 0; k < kC; ++k) s += uint64_t{c[k]} * c[k];
      return static_cast<double>(s) / w;
    }
    double s = -xlogx_[w];
    for (int k = 0; k < kC; ++k) s += xlogx_[c[k]];
    return s;
  }

  void search(Open& o) {
    const uint32_t most = *std::max_element(o.counts, o.counts + kC);
    if (most == o.weight) return;  // pure
    if (p_.max_depth > 0 && o.depth >= p_.max_depth) return;
    if (o.weight < static_cast<uint32_t>(p_.min_samples_split)) return;
    if (o.weight < 2 * static_cast<uint32_t>(p_.min_samples_leaf)) return;
    o.split = find_split(o);
    if (o.split.valid()) o.gain = o.split.score - part(o.counts, o.weight);
  }

  static bool has(const std::vector<uint64_t>& bits, int f) { return bits[f >> 6] >> (f & 63) & 1; }

  // Searches node o and adds the features found constant to o.constant.
  Split find_split(Open& o) {
    const size_t m = o.end - o.begin;
    Split best;
    std::vector<int> tried;
    if (mtry_ >= static_cast<int>(d_.dim)) {
      // Every feature not known to be constant, in order: the tree has no
      // randomness.
      for (int f = 0; f < static_cast<int>(d_.dim); ++f)
        if (!has(o.constant, f)) tried.push_back(f);
      const int n = static_cast<int>(tried.size()), blocks = (n + kBlock - 1) / kBlock;
      std::vector<Split> found(blocks);
      auto run = [&](int b, Workspace& ws) {
        int nonconstant = 0;
        found[b] = eval_block(ws, tried.data() + b * kBlock, std::min(kBlock, n - b * kBlock), o,
                              &nonconstant);
      };
      if (nthreads_ > 1 && m * n >= kParallelWork) {
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads_)
        for (int b = 0; b < blocks; ++b) run(b, ws_[omp_get_thread_num()]);
      } else {
        for (int b = 0; b < blocks; ++b) run(b, ws_[0]);
      }
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
          Split s = eval_block(ws_[0], tried.data() + at, nf, o, &nonconstant);
          if (s.score > best.score) best = s;
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

  // The best split over features fs[0..nf) for node o; counts features with
  // more than one distinct value into *nonconstant.
  Split eval_block(Workspace& ws, const int* fs, int nf, const Open& o, int* nonconstant) {
    const size_t m = o.end - o.begin;
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
    // Only the classes present in the node can have counts: deep nodes hold
    // two or three, which is what makes their scans cheap.
    Present pc;
    for (int c = 0; c < kC; ++c)
      if (o.counts[c] > 0) pc.cls[pc.n++] = c;
    const bool marked = m < kMarkBelow;
    // Columns stream in order, so few histograms at a time keep them in L1;
    // scattered rows are fetched once for the whole block.
    const int group = columns ? kColumnGroup : nf;
    Split best;
    for (int g0 = 0; g0 < nf; g0 += group) {
      const int ng = std::min(group, nf - g0);
      if (marked) {
        accumulate<true>(idx, y, w, m, ws.src + g0, stride, ng, ws.hist.data(), ws.seen.data(),
                         d_.rows, prefetch, nprefetch);
      } else {
        accumulate<false>(idx, y, w, m, ws.src + g0, stride, ng, ws.hist.data(), ws.seen.data(),
                          d_.rows, prefetch, nprefetch);
      }
      for (int t = 0; t < ng; ++t) {
        uint32_t* h = ws.hist.data() + t * kHist;
        uint64_t mask[4];
        if (marked) {
          take_marks(ws.seen.data() + t * kBins, mask);
        } else {
          for (int q = 0; q < 4; ++q) {
            mask[q] = 0;
            for (int b = 0; b < 64; ++b) {
              uint32_t any = 0;
              for (int i = 0; i < pc.n; ++i) any |= h[(q * 64 + b) * kC + pc.cls[i]];
              mask[q] |= uint64_t{any != 0} << b;
            }
          }
        }
        scan(h, mask, fs[g0 + t], o, pc, best, nonconstant);
      }
    }
    return best;
  }

  struct Present {
    int n = 0;
    int cls[kC];
  };

  // Every threshold between two occupied bins (`mask`) of one feature's
  // histogram; clears the histogram on the way. NP: the number of classes
  // present in the node, so the running counts live in registers.
  template <int NP, bool kGini>
  void scan_fixed(uint32_t* h, const uint64_t* mask, int feature, const Open& o, const Present& pc,
                  Split& best, int* nonconstant) {
    const uint32_t min_leaf = static_cast<uint32_t>(p_.min_samples_leaf);
    int cls[NP];
    uint32_t left[NP], right[NP];
    for (int i = 0; i < NP; ++i) {
      cls[i] = pc.cls[i];
      left[i] = 0;
      right[i] = o.counts[cls[i]];
    }
    // Minus the weighted impurity of one side, up to a constant shared by
    // all splits of the node: sum c^2 / w for Gini, sum c log c - w log w for
    // entropy.
    auto part = [&](const uint32_t* c, uint32_t w) {
      if constexpr (kGini) {
        uint64_t sq = 0;
        for (int i = 0; i < NP; ++i) sq += uint64_t{c[i]} * c[i];
        return static_cast<double>(sq) / w;
      } else {
        double e = -xlogx_[w];
        for (int i = 0; i < NP; ++i) e += xlogx_[c[i]];
        return e;
      }
    };
    uint32_t wl = 0;
    int prev = -1, occupied = 0;
    bool open = true;  // false once the right side is too small to split further
    for (int q = 0; q < 4; ++q) {
      for (uint64_t bits = mask[q]; bits; bits &= bits - 1) {
        const int b = q * 64 + std::countr_zero(bits);
        ++occupied;
        if (open && prev >= 0 && wl >= min_leaf) {
          const uint32_t wr = o.weight - wl;
          if (wr < min_leaf) {
            open = false;
          } else {
            const double score = part(left, wl) + part(right, wr);
            if (score > best.score) {
              best.score = score;
              best.feature = feature;
              best.threshold = (prev + b) / 2;
              std::fill(best.left, best.left + kC, 0u);
              for (int i = 0; i < NP; ++i) best.left[cls[i]] = left[i];
              best.left_weight = wl;
            }
          }
        }
        uint32_t* hb = h + b * kC;
        for (int i = 0; i < NP; ++i) {
          const uint32_t v = hb[cls[i]];
          hb[cls[i]] = 0;
          left[i] += v;
          right[i] -= v;
          wl += v;
        }
        prev = b;
      }
    }
    if (occupied > 1) {
      ++*nonconstant;
    } else {
      found_constant_[feature] = 1;  // one byte per feature: threads never share one
    }
  }

  template <bool kGini>
  void scan_for(uint32_t* h, const uint64_t* mask, int feature, const Open& o, const Present& pc,
                Split& best, int* nonconstant) {
    switch (pc.n) {
#define FMNIST_SCAN_CASE(n) \
  case n:                   \
    return scan_fixed<n, kGini>(h, mask, feature, o, pc, best, nonconstant);
      FMNIST_SCAN_CASE(1)
      FMNIST_SCAN_CASE(2)
      FMNIST_SCAN_CASE(3)
      FMNIST_SCAN_CASE(4)
      FMNIST_SCAN_CASE(5)
      FMNIST_SCAN_CASE(6)
      FMNIST_SCAN_CASE(7)
      FMNIST_SCAN_CASE(8)
      FMNIST_SCAN_CASE(9)
#undef FMNIST_SCAN_CASE
      default:
        return scan_fixed<kC, kGini>(h, mask, feature, o, pc, best, nonconstant);
    }
  }

  void scan(uint32_t* h, const uint64_t* mask, int feature, const Open& o, const Present& pc,
            Split& best, int* nonconstant) {
    if (p_.criterion == Criterion::gini) {
      scan_for<true>(h, mask, feature, o, pc, best, nonconstant);
    } else {
      scan_for<false>(h, mask, feature, o, pc, best, nonconstant);
    }
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

  void make_leaf(const Open& o) {
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
  int mtry_ = 0, nthreads_ = 1;
  std::vector<uint32_t> idx_, w_, tmp_idx_, tmp_w_;
  std::vector<uint8_t> y_, tmp_y_;
  std::vector<double> xlogx_;
  std::vector<int> features_;
  std::vector<uint8_t> found_constant_;
  std::vector<Workspace> ws_;
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
