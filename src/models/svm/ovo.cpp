#include "models/svm/ovo.hpp"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>

#include "core/error.hpp"
#include "data/dataset.hpp"

namespace fmnist::svm {

void OvoModel::check() const {
  const size_t k = num_classes();
  if (k < 2) fail("svm model: {} class(es); need at least 2", k);
  if (dim == 0 || sv.size() % dim != 0) fail("svm model: support vectors do not match dim {}", dim);
  const size_t l = total_sv();
  size_t sum = 0;
  for (int c : n_sv) sum += static_cast<size_t>(c);
  if (n_sv.size() != k || sum != l) fail("svm model: nr_sv does not add up to total_sv {}", l);
  if (coef.size() != (k - 1) * l)
    fail("svm model: {} coefficients, expected {}", coef.size(), (k - 1) * l);
  if (rho.size() != num_pairs())
    fail("svm model: {} rho values, expected {}", rho.size(), num_pairs());
  if (prob_a.size() != num_pairs() || prob_b.size() != num_pairs())
    fail("svm model: probA/probB need {} values each", num_pairs());
  for (int c : labels)
    if (c < 0 || c >= kNumClasses)
      fail("svm model: label {} is not a class 0..{}", c, kNumClasses - 1);
}

namespace {

// Harder pairs first, so the last pair to finish is a quick one. How hard
// is guessed from how close the class means are (closer: more support
// vectors, more iterations); any order gives the same model.
std::vector<std::pair<int, int>> pair_schedule(const uint8_t* x,
                                               const std::vector<std::vector<uint32_t>>& members,
                                               const std::vector<int>& present, size_t dim) {
  const size_t k = present.size();
  std::vector<std::vector<double>> mean(k, std::vector<double>(dim, 0.0));
  for (size_t c = 0; c < k; ++c) {
    for (uint32_t i : members[present[c]])
      for (size_t d = 0; d < dim; ++d) mean[c][d] += x[i * dim + d];
    for (double& v : mean[c]) v /= static_cast<double>(members[present[c]].size());
  }
  std::vector<std::pair<double, std::pair<int, int>>> order;
  for (size_t a = 0; a < k; ++a)
    for (size_t b = a + 1; b < k; ++b) {
      double d2 = 0;
      for (size_t d = 0; d < dim; ++d) d2 += (mean[a][d] - mean[b][d]) * (mean[a][d] - mean[b][d]);
      order.push_back({d2, {static_cast<int>(a), static_cast<int>(b)}});
    }
  std::sort(order.begin(), order.end());
  std::vector<std::pair<int, int>> out;
  for (const auto& o : order) out.push_back(o.second);
  return out;
}

size_t pair_index(size_t a, size_t b, size_t k) {  // a < b, LIBSVM's order
  return a * (2 * k - a - 1) / 2 + (b - a - 1);
}

// sum a[i] * b[i] in a fixed order (eight lanes, four accumulators), so
// every build on every AVX2 CPU gives the same float.
float dot_f32(const float* a, const float* b, size_t n) {
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  size_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int u = 0; u < 4; ++u)
      acc[u] =
          _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8 * u), _mm256_loadu_ps(b + i + 8 * u), acc[u]);
  for (; i + 8 <= n; i += 8)
    acc[0] = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc[0]);
  const __m256 s = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, s);
  float sum = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) +
              ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

}  // namespace

OvoModel train_ovo(const uint8_t* x, const uint8_t* labels, size_t n, size_t dim,
                   const Kernel& kernel, const SolverOptions& options, int threads,
                   const std::function<void(size_t, size_t)>& progress, TrainStats* stats) {
  std::vector<std::vector<uint32_t>> members(kNumClasses);
  for (size_t i = 0; i < n; ++i) {
    if (labels[i] >= kNumClasses)
      fail("svm: label {} of image {} is not a class 0..9", labels[i], i);
    members[labels[i]].push_back(static_cast<uint32_t>(i));
  }
  OvoModel m;
  m.kernel = kernel;
  m.dim = dim;
  for (int c = 0; c < kNumClasses; ++c)
    if (!members[c].empty()) m.labels.push_back(c);
  const size_t k = m.labels.size();
  if (k < 2) fail("svm: the training set has {} class(es); an SVM needs at least 2", k);
  std::vector<int32_t> squares(n);
  for (size_t i = 0; i < n; ++i) {
    int32_t s = 0;
    for (size_t d = 0; d < dim; ++d) s += x[i * dim + d] * x[i * dim + d];
    squares[i] = s;
  }

  // Each pair's coefficients by training image (most are zero).
  const auto schedule = pair_schedule(x, members, m.labels, dim);
  const size_t pairs = schedule.size();
  std::vector<std::vector<double>> pair_coef(pairs);  // by pair index, over the pair's images
  m.rho.assign(pairs, 0.0);
  std::atomic<size_t> iterations{0}, rows{0};
  std::mutex report;
  size_t done = 0;
  SolverOptions per_solver = options;
  const int team = std::max(1, std::min<int>(threads, static_cast<int>(pairs)));
  per_solver.cache_bytes = options.cache_bytes / team;
  std::exception_ptr error;
#pragma omp parallel for schedule(dynamic, 1) num_threads(team)
  for (size_t s = 0; s < pairs; ++s) {
    try {
      const auto [a, b] = schedule[s];
      const auto& ma = members[m.labels[a]];
      const auto& mb = members[m.labels[b]];
      std::vector<const uint8_t*> px;
      std::vector<int32_t> psq;
      std::vector<int8_t> py;
      for (const auto* group : {&ma, &mb})
        for (uint32_t i : *group) {
          px.push_back(x + static_cast<size_t>(i) * dim);
          psq.push_back(squares[i]);
          py.push_back(group == &ma ? 1 : -1);
        }
      BinaryResult r = solve_binary({px, dim, psq, py}, kernel, per_solver);
      const size_t p = pair_index(a, b, k);
      pair_coef[p] = std::move(r.coef);
      m.rho[p] = r.rho;
      iterations += r.iterations;
      rows += r.rows_computed;
      std::lock_guard lock(report);
      if (progress) progress(++done, pairs);
    } catch (...) {
      std::lock_guard lock(report);
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
  if (stats) {
    stats->iterations = iterations;
    stats->rows_computed = rows;
  }

  // The union of support vectors, by class, then LIBSVM's coefficient rows.
  std::vector<std::vector<char>> is_sv(k);
  for (size_t c = 0; c < k; ++c) is_sv[c].assign(members[m.labels[c]].size(), 0);
  for (size_t a = 0; a < k; ++a)
    for (size_t b = a + 1; b < k; ++b) {
      const auto& pc = pair_coef[pair_index(a, b, k)];
      const size_t na = members[m.labels[a]].size();
      for (size_t t = 0; t < pc.size(); ++t)
        if (pc[t] != 0) (t < na ? is_sv[a][t] : is_sv[b][t - na]) = 1;
    }
  std::vector<std::vector<size_t>> sv_pos(k);  // class member -> sv index (or npos)
  size_t total = 0;
  m.n_sv.assign(k, 0);
  for (size_t c = 0; c < k; ++c) {
    sv_pos[c].assign(is_sv[c].size(), SIZE_MAX);
    for (size_t t = 0; t < is_sv[c].size(); ++t)
      if (is_sv[c][t]) sv_pos[c][t] = total++, ++m.n_sv[c];
  }
  m.sv.resize(total * dim);
  m.coef.assign((k - 1) * total, 0.0);
  for (size_t c = 0; c < k; ++c)
    for (size_t t = 0; t < is_sv[c].size(); ++t)
      if (sv_pos[c][t] != SIZE_MAX)
        std::copy_n(x + static_cast<size_t>(members[m.labels[c]][t]) * dim, dim,
                    m.sv.data() + sv_pos[c][t] * dim);
  for (size_t a = 0; a < k; ++a)
    for (size_t b = a + 1; b < k; ++b) {
      const auto& pc = pair_coef[pair_index(a, b, k)];
      const size_t na = members[m.labels[a]].size();
      for (size_t t = 0; t < pc.size(); ++t) {
        if (pc[t] == 0) continue;
        if (t < na)
          m.coef[(b - 1) * total + sv_pos[a][t]] = pc[t];
        else
          m.coef[a * total + sv_pos[b][t - na]] = pc[t];
      }
    }
  // Kept in byte units, as the model file holds it: the scale folds into
  // gamma, or into the coefficients for the linear kernel.
  const double s2 = kernel.scale * kernel.scale;
  if (kernel.type == KernelType::linear) {
    for (double& c : m.coef) c *= s2;
  } else {
    m.kernel.gamma *= s2;
  }
  m.kernel.scale = 1;
  return m;
}

OvoPredictor::OvoPredictor(const OvoModel& model) : m_(model) {
  model.check();
  const size_t l = model.total_sv(), k = model.num_classes();
  std::vector<const uint8_t*> rows(l);
  sv_sq_.resize(l);
  for (size_t s = 0; s < l; ++s) {
    rows[s] = model.sv.data() + s * model.dim;
    int32_t sq = 0;
    for (size_t d = 0; d < model.dim; ++d) sq += rows[s][d] * rows[s][d];
    sv_sq_[s] = sq;
  }
  packed_ = PackedU8(rows, model.dim);
  start_.assign(k + 1, 0);
  for (size_t c = 0; c < k; ++c) start_[c + 1] = start_[c] + static_cast<size_t>(model.n_sv[c]);
  coef_.assign(model.coef.begin(), model.coef.end());
}

void OvoPredictor::decision_values(const uint8_t* features, size_t m, float* out,
                                   int threads) const {
  const size_t k = m_.num_classes(), pairs = m_.num_pairs(), l = m_.total_sv();
  const size_t dim = m_.dim, len = packed_.padded_size();
  // Blocks of vectors share each panel of support vectors while in cache.
  constexpr size_t kBlock = 64;
  const size_t blocks = (m + kBlock - 1) / kBlock;
#pragma omp parallel num_threads(std::max(1, threads))
  {
    std::vector<float> kv(kBlock * len);
    std::vector<int32_t> scratch;
    std::vector<const uint8_t*> rows(kBlock);
    std::vector<int32_t> sq(kBlock);
#pragma omp for schedule(dynamic, 1)
    for (size_t blk = 0; blk < blocks; ++blk) {
      const size_t first = blk * kBlock, b = std::min(kBlock, m - first);
      for (size_t r = 0; r < b; ++r) {
        rows[r] = features + (first + r) * dim;
        int32_t s = 0;
        for (size_t d = 0; d < dim; ++d) s += rows[r][d] * rows[r][d];
        sq[r] = s;
      }
      m_.kernel.rows({rows.data(), b}, {sq.data(), b}, packed_, kv.data(), len, scratch);
      for (size_t r = 0; r < b; ++r) {
        const float* kr = kv.data() + r * len;
        float* o = out + (first + r) * pairs;
        for (size_t a = 0; a < k; ++a)
          for (size_t c = a + 1; c < k; ++c) {
            // Class a's vectors weigh in through coef row c-1, class c's through row a.
            const float* wa = coef_.data() + (c - 1) * l;
            const float* wc = coef_.data() + a * l;
            const float sum = dot_f32(wa + start_[a], kr + start_[a], start_[a + 1] - start_[a]) +
                              dot_f32(wc + start_[c], kr + start_[c], start_[c + 1] - start_[c]);
            o[pair_index(a, c, k)] = sum - static_cast<float>(m_.rho[pair_index(a, c, k)]);
          }
      }
    }
  }
}

void couple(const double* r, int k, double* p) {
  // LIBSVM's multiclass_probability: minimise sum_i sum_{j != i}
  // (r_ji p_i - r_ij p_j)^2 subject to sum p = 1, by coordinate steps.
  std::vector<double> Q(static_cast<size_t>(k) * k), Qp(k);
  for (int t = 0; t < k; ++t) {
    p[t] = 1.0 / k;
    double& diag = Q[t * k + t];
    diag = 0;
    for (int j = 0; j < k; ++j) {
      if (j == t) continue;
      diag += r[j * k + t] * r[j * k + t];
      Q[t * k + j] = -r[j * k + t] * r[t * k + j];
    }
  }
  const int max_iter = std::max(100, k);
  const double eps = 0.005 / k;
  for (int iter = 0; iter < max_iter; ++iter) {
    double pQp = 0;
    for (int t = 0; t < k; ++t) {
      Qp[t] = 0;
      for (int j = 0; j < k; ++j) Qp[t] += Q[t * k + j] * p[j];
      pQp += p[t] * Qp[t];
    }
    double max_error = 0;
    for (int t = 0; t < k; ++t) max_error = std::max(max_error, std::fabs(Qp[t] - pQp));
    if (max_error < eps) break;
    for (int t = 0; t < k; ++t) {
      const double diff = (-Qp[t] + pQp) / Q[t * k + t];
      p[t] += diff;
      pQp = (pQp + diff * (diff * Q[t * k + t] + 2 * Qp[t])) / (1 + diff) / (1 + diff);
      for (int j = 0; j < k; ++j) {
        Qp[j] = (Qp[j] + diff * Q[t * k + j]) / (1 + diff);
        p[j] /= (1 + diff);
      }
    }
  }
}

void OvoPredictor::probabilities(const uint8_t* features, size_t m, float* out, int threads) const {
  const size_t k = m_.num_classes(), pairs = m_.num_pairs();
  std::vector<float> dec(m * pairs);
  decision_values(features, m, dec.data(), threads);
  constexpr double kMinProb = 1e-7;  // LIBSVM's clip of pairwise probabilities
#pragma omp parallel num_threads(std::max(1, threads))
  {
    std::vector<double> r(k * k), p(k);
#pragma omp for schedule(static)
    for (size_t i = 0; i < m; ++i) {
      const float* d = dec.data() + i * pairs;
      for (size_t a = 0; a < k; ++a)
        for (size_t b = a + 1; b < k; ++b) {
          const size_t q = pair_index(a, b, k);
          const double f = d[q] * m_.prob_a[q] + m_.prob_b[q];
          double rab = f >= 0 ? std::exp(-f) / (1 + std::exp(-f)) : 1 / (1 + std::exp(f));
          rab = std::clamp(rab, kMinProb, 1 - kMinProb);
          r[a * k + b] = rab;
          r[b * k + a] = 1 - rab;
        }
      couple(r.data(), static_cast<int>(k), p.data());
      float* o = out + i * kNumClasses;
      std::fill(o, o + kNumClasses, 0.f);
      for (size_t a = 0; a < k; ++a) o[m_.labels[a]] = static_cast<float>(p[a]);
    }
  }
}

}  // namespace fmnist::svm
