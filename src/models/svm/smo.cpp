#include "models/svm/smo.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "core/error.hpp"

namespace fmnist::svm {
namespace {

constexpr double kTau = 1e-12;  // LIBSVM's floor for a non-positive curvature
constexpr double kInf = std::numeric_limits<double>::infinity();

// ---- The O(active) loops of each iteration, four doubles at a time. ----

// Picks, lane by lane, the larger value (the earlier index on ties) and then
// the best of the four lanes.
int reduce_argmax(__m256d vbest, __m256d vidx, double& best) {
  alignas(32) double b[4], ix[4];
  _mm256_store_pd(b, vbest);
  _mm256_store_pd(ix, vidx);
  int at = -1;
  best = -kInf;
  for (int l = 0; l < 4; ++l) {
    if (ix[l] < 0) continue;
    const int i = static_cast<int>(ix[l]);
    if (at < 0 || b[l] > best || (b[l] == best && i < at)) best = b[l], at = i;
  }
  return at;
}

// The index of the largest F + pen over [0, n) where pen is 0 or -inf (the
// first on ties); -1 when every entry is -inf.
int argmax_masked(const double* F, const double* pen, size_t n, double& best) {
  __m256d vbest = _mm256_set1_pd(-kInf), vidx = _mm256_set1_pd(-1);
  __m256d idx = _mm256_setr_pd(0, 1, 2, 3);
  const __m256d four = _mm256_set1_pd(4);
  size_t p = 0;
  for (; p + 4 <= n; p += 4) {
    const __m256d v = _mm256_add_pd(_mm256_loadu_pd(F + p), _mm256_loadu_pd(pen + p));
    const __m256d gt = _mm256_cmp_pd(v, vbest, _CMP_GT_OQ);
    vbest = _mm256_blendv_pd(vbest, v, gt);
    vidx = _mm256_blendv_pd(vidx, idx, gt);
    idx = _mm256_add_pd(idx, four);
  }
  int at = reduce_argmax(vbest, vidx, best);
  for (; p < n; ++p)
    if (F[p] + pen[p] > best) best = F[p] + pen[p], at = static_cast<int>(p);
  return at;
}

struct JChoice {
  int j = -1;
  double fmin = kInf;  // the smallest F among those that may move down
};

// Among t that may move down (low_pen 0, not +inf) with F_t < gmax, the one
// with the largest second-order decrease (gmax - F_t)^2 / (K_ii + K_tt - 2 K_it).
JChoice select_j(const double* F, const double* low_pen, const double* qd, const float* ki,
                 double gmax, double qdi, size_t n) {
  const __m256d vg = _mm256_set1_pd(gmax), vq = _mm256_set1_pd(qdi), two = _mm256_set1_pd(2);
  const __m256d tau = _mm256_set1_pd(kTau), zero = _mm256_setzero_pd();
  const __m256d none = _mm256_set1_pd(-1), four = _mm256_set1_pd(4);
  __m256d vmin = _mm256_set1_pd(kInf), vbest = none, vidx = none;
  __m256d idx = _mm256_setr_pd(0, 1, 2, 3);
  size_t p = 0;
  for (; p + 4 <= n; p += 4) {
    const __m256d f = _mm256_add_pd(_mm256_loadu_pd(F + p), _mm256_loadu_pd(low_pen + p));
    vmin = _mm256_min_pd(vmin, f);
    const __m256d b = _mm256_sub_pd(vg, f);
    __m256d quad = _mm256_fnmadd_pd(two, _mm256_cvtps_pd(_mm_loadu_ps(ki + p)),
                                    _mm256_add_pd(vq, _mm256_loadu_pd(qd + p)));
    quad = _mm256_blendv_pd(tau, quad, _mm256_cmp_pd(quad, zero, _CMP_GT_OQ));
    __m256d gain = _mm256_div_pd(_mm256_mul_pd(b, b), quad);
    gain = _mm256_blendv_pd(none, gain, _mm256_cmp_pd(b, zero, _CMP_GT_OQ));
    const __m256d gt = _mm256_cmp_pd(gain, vbest, _CMP_GT_OQ);
    vbest = _mm256_blendv_pd(vbest, gain, gt);
    vidx = _mm256_blendv_pd(vidx, idx, gt);
    idx = _mm256_add_pd(idx, four);
  }
  JChoice c;
  double best;
  c.j = reduce_argmax(vbest, vidx, best);
  alignas(32) double m[4];
  _mm256_store_pd(m, vmin);
  c.fmin = std::min({m[0], m[1], m[2], m[3]});
  for (; p < n; ++p) {
    const double f = F[p] + low_pen[p];
    c.fmin = std::min(c.fmin, f);
    const double b = gmax - f;
    if (b <= 0) continue;
    double quad = qdi + qd[p] - 2.0 * ki[p];
    if (quad <= 0) quad = kTau;
    if (b * b / quad > best) best = b * b / quad, c.j = static_cast<int>(p);
  }
  if (best <= 0) c.j = -1;
  return c;
}

// F_t -= di * K_it + dj * K_jt.
void update_f(double* F, const float* ki, const float* kj, double di, double dj, size_t n) {
  const __m256d vi = _mm256_set1_pd(di), vj = _mm256_set1_pd(dj);
  size_t p = 0;
  for (; p + 4 <= n; p += 4) {
    __m256d f = _mm256_loadu_pd(F + p);
    f = _mm256_fnmadd_pd(vi, _mm256_cvtps_pd(_mm_loadu_ps(ki + p)), f);
    f = _mm256_fnmadd_pd(vj, _mm256_cvtps_pd(_mm_loadu_ps(kj + p)), f);
    _mm256_storeu_pd(F + p, f);
  }
  for (; p < n; ++p) F[p] -= di * ki[p] + dj * kj[p];
}

// ---- Kernel rows by sample, least recently used evicted first. ----
class RowCache {
 public:
  RowCache(size_t n, size_t row_len, size_t capacity)
      : row_len_(row_len),
        slot_of_(n, -1),
        owner_(capacity, -1),
        prev_(capacity),
        next_(capacity),
        data_(std::make_unique_for_overwrite<float[]>(capacity * row_len)) {
    for (size_t s = 0; s < capacity; ++s) {
      prev_[s] = static_cast<int>(s) - 1;
      next_[s] = s + 1 < capacity ? static_cast<int>(s) + 1 : -1;
    }
    head_ = 0;
    tail_ = static_cast<int>(capacity) - 1;
  }
  bool has(int i) const { return slot_of_[i] >= 0; }
  // The row of i, marked most recently used; nullptr if absent.
  float* find(int i) {
    const int s = slot_of_[i];
    if (s < 0) return nullptr;
    touch(s);
    return slot(s);
  }
  // A slot for i's row (the least recently used one), marked most recent.
  float* insert(int i) {
    const int s = head_;
    if (owner_[s] >= 0) slot_of_[owner_[s]] = -1;
    owner_[s] = i;
    slot_of_[i] = s;
    touch(s);
    return slot(s);
  }

 private:
  float* slot(int s) { return data_.get() + static_cast<size_t>(s) * row_len_; }
  // Moves slot s to the tail (most recent).
  void touch(int s) {
    if (s == tail_) return;
    if (prev_[s] >= 0)
      next_[prev_[s]] = next_[s];
    else
      head_ = next_[s];
    prev_[next_[s]] = prev_[s];
    prev_[s] = tail_;
    next_[s] = -1;
    next_[tail_] = s;
    tail_ = s;
  }
  size_t row_len_;
  std::vector<int> slot_of_, owner_, prev_, next_;
  std::unique_ptr<float[]> data_;  // uninitialised: pages are touched only when used
  int head_ = 0, tail_ = 0;
};

// ---- The solver. ----
//
// LIBSVM also shrinks (sets aside variables stuck at a bound). Measured on
// the hardest pair (T-shirt/top vs shirt, 12,000 images) it made this solver
// slower, 1.78 s against 1.04 s of CPU: our kernel rows are cheap, and
// rebuilding the gradient of the set-aside variables at the end is not.
class Solver {
 public:
  Solver(const BinaryProblem& p, const Kernel& k, const SolverOptions& o)
      : p_(p),
        kernel_(k),
        opt_(o),
        n_(p.x.size()),
        batch_(std::max<size_t>(o.batch, 1)),
        cols_(p.x, p.dim),
        cache_(n_, cols_.padded_size(), cache_rows()) {}

  BinaryResult run() {
    const size_t len = cols_.padded_size();
    // Entries past n are padding: never selected, never moved.
    F_.assign(len, 0.0);
    alpha_.assign(len, 0.0);
    y_.assign(len, 0.0);
    qd_.assign(len, 1.0);
    up_pen_.assign(len, -kInf);
    low_pen_.assign(len, kInf);
    for (size_t t = 0; t < n_; ++t) {
      y_[t] = p_.y[t];
      F_[t] = y_[t];  // F = -y * gradient, and the gradient at alpha = 0 is -1
      qd_[t] = kernel_.self(p_.squares[t]);
      set_flags(t);
    }
    size_t iter = 0;
    for (;; ++iter) {
      int i, j;
      if (!select(i, j)) break;
      const float* kj = row(j, i);
      const float* ki = cache_.find(i);
      step(i, j, ki, kj);
    }
    BinaryResult r;
    r.iterations = iter;
    r.rows_computed = rows_computed_;
    r.coef.assign(n_, 0.0);
    for (size_t t = 0; t < n_; ++t) r.coef[t] = alpha_[t] * y_[t];
    r.rho = rho();
    return r;
  }

 private:
  // Rows the cache holds: what cache_bytes allows, at least a few batches.
  size_t cache_rows() const {
    const size_t rows = opt_.cache_bytes / (cols_.padded_size() * sizeof(float));
    return std::clamp<size_t>(rows, std::min<size_t>(n_, 4 * batch_), n_);
  }

  void set_flags(size_t t) {
    const bool at_upper = alpha_[t] >= opt_.C, at_lower = alpha_[t] <= 0;
    const bool up = y_[t] > 0 ? !at_upper : !at_lower;
    const bool low = y_[t] > 0 ? !at_lower : !at_upper;
    up_pen_[t] = up ? 0.0 : -kInf;
    low_pen_[t] = low ? 0.0 : kInf;
  }

  // The working pair (Fan, Chen & Lin's WSS 2); false when the largest KKT
  // violation is under eps.
  bool select(int& i, int& j) {
    double gmax;
    i = argmax_masked(F_.data(), up_pen_.data(), n_, gmax);
    if (i < 0) return false;
    const float* ki = row(i, -1);
    const JChoice c = select_j(F_.data(), low_pen_.data(), qd_.data(), ki, gmax, qd_[i], n_);
    j = c.j;
    return j >= 0 && gmax - c.fmin >= opt_.eps;
  }

  // The kernel row of i. A miss computes it together with the rows of the
  // strongest violators not yet cached (the likely next working pairs): one
  // batch through the dot-product kernel reads the columns once for all.
  // `keep`'s row stays cached.
  const float* row(int i, int keep) {
    if (const float* r = cache_.find(i)) return r;
    batch_rows_ = {i};
    prefetch_candidates(i);
    const size_t b = batch_rows_.size(), len = cols_.padded_size();
    batch_x_.resize(b);
    batch_sq_.resize(b);
    for (size_t k = 0; k < b; ++k) {
      batch_x_[k] = p_.x[batch_rows_[k]];
      batch_sq_[k] = p_.squares[batch_rows_[k]];
    }
    block_.resize(b * len);
    kernel_.rows(batch_x_, batch_sq_, cols_, block_.data(), len, scratch_, opt_.backend);
    rows_computed_ += b;
    if (keep >= 0) cache_.find(keep);  // most recent, so not evicted below
    float* out = nullptr;
    for (size_t k = b; k-- > 0;) {  // i last: the most recent of all
      float* dst = cache_.insert(batch_rows_[k]);
      std::copy_n(block_.data() + k * len, len, dst);
      if (k == 0) out = dst;
    }
    return out;
  }

  // The most violating ends of both sets not cached yet: the largest F
  // among those that may move up, the smallest among those that may move
  // down, alternately.
  void prefetch_candidates(int i) {
    up_cand_.clear();
    low_cand_.clear();
    for (size_t t = 0; t < n_; ++t) {
      if (static_cast<int>(t) == i || cache_.has(static_cast<int>(t))) continue;
      if (up_pen_[t] == 0) up_cand_.push_back({-F_[t], static_cast<int>(t)});
      if (low_pen_[t] == 0) low_cand_.push_back({F_[t], static_cast<int>(t)});
    }
    const size_t extra = batch_ - 1, half = extra / 2;
    const size_t nu = std::min(up_cand_.size(), extra - std::min(half, low_cand_.size()));
    const size_t nl = std::min(low_cand_.size(), extra - nu);
    std::partial_sort(up_cand_.begin(), up_cand_.begin() + nu, up_cand_.end());
    std::partial_sort(low_cand_.begin(), low_cand_.begin() + nl, low_cand_.end());
    auto add = [&](int t) {  // free variables are on both lists
      if (std::find(batch_rows_.begin(), batch_rows_.end(), t) == batch_rows_.end())
        batch_rows_.push_back(t);
    };
    for (size_t c = 0; c < std::max(nu, nl); ++c) {
      if (c < nu) add(up_cand_[c].second);
      if (c < nl) add(low_cand_[c].second);
    }
  }

  // LIBSVM's analytic two-variable update, clipped to the box [0, C].
  void step(int i, int j, const float* ki, const float* kj) {
    const double C = opt_.C;
    const double yi = y_[i], yj = y_[j];
    const double gi = -yi * F_[i], gj = -yj * F_[j];
    const double qij = yi * yj * ki[j];
    const double old_i = alpha_[i], old_j = alpha_[j];
    double& ai = alpha_[i];
    double& aj = alpha_[j];
    if (yi != yj) {
      double quad = qd_[i] + qd_[j] + 2 * qij;
      if (quad <= 0) quad = kTau;
      const double delta = (-gi - gj) / quad, diff = ai - aj;
      ai += delta;
      aj += delta;
      if (diff > 0) {
        if (aj < 0) aj = 0, ai = diff;
      } else if (ai < 0) {
        ai = 0, aj = -diff;
      }
      if (diff > 0) {
        if (ai > C) ai = C, aj = C - diff;
      } else if (aj > C) {
        aj = C, ai = C + diff;
      }
    } else {
      double quad = qd_[i] + qd_[j] - 2 * qij;
      if (quad <= 0) quad = kTau;
      const double delta = (gi - gj) / quad, sum = ai + aj;
      ai -= delta;
      aj += delta;
      if (sum > C) {
        if (ai > C) ai = C, aj = sum - C;
      } else if (aj < 0) {
        aj = 0, ai = sum;
      }
      if (sum > C) {
        if (aj > C) aj = C, ai = sum - C;
      } else if (ai < 0) {
        ai = 0, aj = sum;
      }
    }
    update_f(F_.data(), ki, kj, yi * (ai - old_i), yj * (aj - old_j), n_);
    set_flags(i);
    set_flags(j);
  }

  // The bias: the mean of -F over free variables, or the middle of the
  // feasible interval when none is free (LIBSVM's calculate_rho).
  double rho() const {
    double ub = kInf, lb = -kInf, sum = 0;
    size_t free = 0;
    for (size_t t = 0; t < n_; ++t) {
      const double yg = -F_[t];
      const bool pos = y_[t] > 0;
      if (alpha_[t] >= opt_.C) {
        if (pos)
          lb = std::max(lb, yg);
        else
          ub = std::min(ub, yg);
      } else if (alpha_[t] <= 0) {
        if (pos)
          ub = std::min(ub, yg);
        else
          lb = std::max(lb, yg);
      } else {
        ++free;
        sum += yg;
      }
    }
    return free > 0 ? sum / free : (ub + lb) / 2;
  }

  const BinaryProblem& p_;
  const Kernel& kernel_;
  const SolverOptions& opt_;
  size_t n_, batch_;
  PackedU8 cols_;
  RowCache cache_;
  std::vector<double> F_, alpha_, y_, qd_, up_pen_, low_pen_;
  std::vector<int> batch_rows_;
  std::vector<const uint8_t*> batch_x_;
  std::vector<int32_t> batch_sq_, scratch_;
  std::vector<float> block_;
  std::vector<std::pair<double, int>> up_cand_, low_cand_;
  size_t rows_computed_ = 0;
};

}  // namespace

BinaryResult solve_binary(const BinaryProblem& problem, const Kernel& kernel,
                          const SolverOptions& options) {
  const size_t n = problem.x.size();
  if (problem.y.size() != n || problem.squares.size() != n) fail("svm: problem sizes disagree");
  if (n == 0) return {};
  return Solver(problem, kernel, options).run();
}

}  // namespace fmnist::svm
