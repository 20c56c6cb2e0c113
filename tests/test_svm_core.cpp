// The SVM's parts: exact byte dot products (both code paths), the exp,
// the SMO solver against LIBSVM itself, pairwise coupling, HOG features,
// and LIBSVM reading the model files we write.
#include <gtest/gtest.h>
#include <svm.h>

#include <cmath>
#include <numeric>

#include "core/rng.hpp"
#include "data/idx.hpp"
#include "models/kernel_svm.hpp"
#include "models/model_io.hpp"
#include "models/registry.hpp"
#include "models/svm/dot_u8.hpp"
#include "models/svm/features.hpp"
#include "models/svm/kernel.hpp"
#include "models/svm/ovo.hpp"
#include "models/svm/smo.hpp"
#include "support/fixtures.hpp"

namespace fmnist {
namespace {

using namespace svm;

std::vector<uint8_t> random_bytes(size_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng.below(256));
  return v;
}

// Odd sizes on purpose: rows not a multiple of the 4-row tile, columns not
// of 16 or 64, lengths not of 4.
class DotSizes : public ::testing::TestWithParam<std::tuple<size_t, size_t, size_t>> {};

TEST_P(DotSizes, EveryBackendGivesTheExactIntegers) {
  const auto [na, nb, dim] = GetParam();
  const auto a = random_bytes(na * dim, 1), b = random_bytes(nb * dim, 2);
  std::vector<const uint8_t*> ar(na), br(nb);
  for (size_t i = 0; i < na; ++i) ar[i] = a.data() + i * dim;
  for (size_t i = 0; i < nb; ++i) br[i] = b.data() + i * dim;
  const PackedU8 cols(br, dim);
  ASSERT_EQ(cols.padded_size() % 64, 0u);
  std::vector<DotBackend> backends = {DotBackend::portable};
  if (have_vnni()) backends.push_back(DotBackend::vnni);
  for (auto backend : backends) {
    std::vector<int32_t> out(na * cols.padded_size(), -1);
    dot_batch(ar, cols, out.data(), cols.padded_size(), backend);
    for (size_t i = 0; i < na; ++i) {
      for (size_t j = 0; j < nb; ++j) {
        int32_t want = 0;
        for (size_t k = 0; k < dim; ++k) want += a[i * dim + k] * b[j * dim + k];
        ASSERT_EQ(out[i * cols.padded_size() + j], want) << i << "," << j;
      }
      for (size_t j = nb; j < cols.padded_size(); ++j)
        ASSERT_EQ(out[i * cols.padded_size() + j], 0);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Svm, DotSizes,
                         ::testing::Values(std::make_tuple(1, 1, 1), std::make_tuple(3, 70, 13),
                                           std::make_tuple(9, 130, 784), std::make_tuple(4, 64, 4),
                                           std::make_tuple(6, 17, 2404)));

TEST(SvmDot, AllWhitePixelsDoNotOverflow) {
  std::vector<uint8_t> white(784, 255);
  const uint8_t* p = white.data();
  const PackedU8 cols({&p, 1}, 784);
  std::vector<int32_t> out(cols.padded_size());
  dot_batch({&p, 1}, cols, out.data(), out.size());
  EXPECT_EQ(out[0], 784 * 255 * 255);
  EXPECT_EQ(cols.squares()[0], 784 * 255 * 255);
}

TEST(SvmKernel, ExpIsWithinTwoMillionthsOfStdExp) {
  std::vector<float> x;
  for (float v = -87.f; v <= 80.f; v += 0.0137f) x.push_back(v);
  auto y = x;
  exp_inplace(y.data(), y.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const double want = std::exp(static_cast<double>(x[i]));
    ASSERT_NEAR(y[i] / want, 1.0, 2e-6) << x[i];
  }
}

TEST(SvmKernel, RbfRowsMatchTheFormula) {
  const size_t dim = 50;
  const auto a = random_bytes(3 * dim, 3), b = random_bytes(5 * dim, 4);
  std::vector<const uint8_t*> ar(3), br(5);
  std::vector<int32_t> asq(3);
  for (size_t i = 0; i < 3; ++i) {
    ar[i] = a.data() + i * dim;
    for (size_t k = 0; k < dim; ++k) asq[i] += ar[i][k] * ar[i][k];
  }
  for (size_t i = 0; i < 5; ++i) br[i] = b.data() + i * dim;
  Kernel k;
  k.gamma = 0.05;
  k.scale = 1.0 / 255;
  const PackedU8 cols(br, dim);
  std::vector<float> out(3 * cols.padded_size());
  std::vector<int32_t> scratch;
  k.rows(ar, asq, cols, out.data(), cols.padded_size(), scratch);
  for (size_t i = 0; i < 3; ++i)
    for (size_t j = 0; j < 5; ++j) {
      double d2 = 0;
      for (size_t t = 0; t < dim; ++t) d2 += std::pow((ar[i][t] - br[j][t]) / 255.0, 2);
      EXPECT_NEAR(out[i * cols.padded_size() + j], std::exp(-0.05 * d2), 1e-6);
    }
}

// Two real Fashion-MNIST classes, `per_class` images each.
struct PairData {
  std::vector<const uint8_t*> x;
  std::vector<int32_t> sq;
  std::vector<int8_t> y;
  Dataset source;
};

PairData real_pair(int ca, int cb, size_t per_class) {
  PairData p;
  p.source = load_idx(test::real_data_dir() / "train-images-idx3-ubyte.gz",
                      test::real_data_dir() / "train-labels-idx1-ubyte.gz");
  size_t na = 0, nb = 0;
  for (size_t i = 0; i < p.source.size(); ++i) {
    const int c = p.source.labels[i];
    if ((c == ca && na < per_class) || (c == cb && nb < per_class)) {
      (c == ca ? na : nb)++;
      p.x.push_back(p.source.image(i).data());
      p.y.push_back(c == ca ? 1 : -1);
      int32_t s = 0;
      for (uint8_t v : p.source.image(i)) s += v * v;
      p.sq.push_back(s);
    }
  }
  return p;
}

TEST(SvmSolver, AgreesWithLibsvmOnARealPair) {
  // Pullover (2) against coat (4), 400 images each: a hard pair.
  const PairData p = real_pair(2, 4, 400);
  const double gamma = 0.0102, C = 10;
  Kernel k;
  k.gamma = gamma;
  k.scale = 1.0 / 255;
  SolverOptions o;
  o.C = C;
  const BinaryResult ours = solve_binary({p.x, 784, p.sq, p.y}, k, o);

  std::vector<std::vector<svm_node>> nodes(p.x.size());
  std::vector<svm_node*> rows(p.x.size());
  std::vector<double> labels(p.x.size());
  for (size_t i = 0; i < p.x.size(); ++i) {
    for (int j = 0; j < 784; ++j)
      if (p.x[i][j]) nodes[i].push_back({j + 1, p.x[i][j] / 255.0});
    nodes[i].push_back({-1, 0});
    rows[i] = nodes[i].data();
    labels[i] = p.y[i];
  }
  svm_problem prob{static_cast<int>(p.x.size()), labels.data(), rows.data()};
  svm_parameter par{};
  par.svm_type = C_SVC;
  par.kernel_type = RBF;
  par.gamma = gamma;
  par.C = C;
  par.eps = 1e-3;
  par.cache_size = 100;
  par.shrinking = 1;
  svm_set_print_string_function([](const char*) {});
  svm_model* m = svm_train(&prob, &par);
  ASSERT_EQ(m->label[0], 1);  // the first image is class +1 for both
  EXPECT_NEAR(ours.rho, m->rho[0], 2e-3);
  // Same support vectors, same coefficients (both stop at tolerance 1e-3).
  std::vector<double> theirs(p.x.size(), 0.0);
  for (int s = 0; s < m->l; ++s) theirs[m->sv_indices[s] - 1] = m->sv_coef[0][s];
  size_t ours_sv = 0, differ = 0;
  for (size_t i = 0; i < p.x.size(); ++i) {
    ours_sv += ours.coef[i] != 0;
    differ += (ours.coef[i] != 0) != (theirs[i] != 0);
    EXPECT_NEAR(ours.coef[i], theirs[i], 0.05 * C) << i;
  }
  EXPECT_NEAR(static_cast<double>(ours_sv), m->l, 3);
  EXPECT_LE(differ, 3u);
  svm_free_and_destroy_model(&m);
}

TEST(SvmSolver, SmallCacheGivesTheSameSolution) {
  const PairData p = real_pair(0, 6, 300);
  Kernel k;
  k.gamma = 0.0102;
  k.scale = 1.0 / 255;
  SolverOptions big, small;
  small.cache_bytes = 1;  // a few batches of rows, evicted constantly
  const auto a = solve_binary({p.x, 784, p.sq, p.y}, k, big);
  const auto b = solve_binary({p.x, 784, p.sq, p.y}, k, small);
  EXPECT_EQ(a.coef, b.coef);
  EXPECT_EQ(a.rho, b.rho);
  EXPECT_GT(b.rows_computed, a.rows_computed);
}

TEST(SvmCoupling, RecoversConsistentProbabilities) {
  const std::vector<double> truth = {0.5, 0.3, 0.15, 0.05};
  const int k = 4;
  std::vector<double> r(k * k), p(k);
  for (int i = 0; i < k; ++i)
    for (int j = 0; j < k; ++j) r[i * k + j] = i == j ? 0 : truth[i] / (truth[i] + truth[j]);
  couple(r.data(), k, p.data());
  for (int i = 0; i < k; ++i) EXPECT_NEAR(p[i], truth[i], 2e-3);
}

TEST(SvmHog, EmptyImageGivesZeroHistograms) {
  const FeatureMap f = FeatureMap::hog(28, 28, HogConfig{{4, 7}, 9, 2, 0.2, 0});
  EXPECT_EQ(f.dim(), (6u * 6 + 3 * 3) * 4 * 9);
  std::vector<uint8_t> black(784, 0), out(f.dim(), 1);
  f.transform_one(black.data(), out.data());
  for (uint8_t v : out) ASSERT_EQ(v, 0);
}

TEST(SvmHog, VerticalEdgeVotesForTheHorizontalGradientBin) {
  HogConfig c{{7}, 9, 1, 0.2, 0};  // 4x4 cells, blocks of one cell
  const FeatureMap f = FeatureMap::hog(28, 28, c);
  std::vector<uint8_t> img(784, 0), out(f.dim());
  for (int y = 0; y < 28; ++y)
    for (int x = 14; x < 28; ++x) img[y * 28 + x] = 255;  // dark left, bright right
  f.transform_one(img.data(), out.data());
  // Cell (1, 2) (x 14-20, y 7-13, away from the image border) gets votes
  // from the edge at x = 13/14 only; gradient angle 0 splits between bins 0
  // and 8 (centred at 10 and 170 degrees).
  const uint8_t* cell = out.data() + (1 * 4 + 2) * 9;
  EXPECT_GT(cell[0], 0);
  EXPECT_EQ(cell[0], cell[8]);
  for (int b = 1; b < 8; ++b) EXPECT_EQ(cell[b], 0);
}

TEST(SvmHog, AppendsWeightedPixels) {
  HogConfig c{{7}, 9, 2, 0.2, 0.25};
  const FeatureMap f = FeatureMap::hog(28, 28, c);
  EXPECT_EQ(f.dim(), 3u * 3 * 4 * 9 + 784);
  std::vector<uint8_t> img(784, 255), out(f.dim());
  img[0] = 102;
  f.transform_one(img.data(), out.data());
  // pixel/255 * 0.25 on a grid of steps of 0.5/255: pixel / 2.
  EXPECT_EQ(out[f.dim() - 784], 51);
  EXPECT_EQ(out[f.dim() - 1], 128);
}

// LIBSVM opens the file we save and, fed the raw pixel bytes, predicts what
// we predict.
void expect_libsvm_agrees(const std::string& spec) {
  test::TempDir dir;
  const Dataset train = test::make_dataset(120, 1), probe = test::make_dataset(40, 2);
  auto model = make_model(spec);
  model->fit(train, FitContext{});
  save_model(*model, ModelInfo{}, dir / "m");
  const auto& ours = dynamic_cast<const KernelSvm&>(*model);
  const auto dec = ours.decision_values(probe);
  const auto proba = model->predict_proba(probe);

  svm_model* m = svm_load_model((dir / "m" / "svm.model").c_str());
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(svm_check_probability_model(m), 1);
  const int pairs = 45;
  for (size_t i = 0; i < probe.size(); ++i) {
    std::vector<svm_node> x;
    for (int j = 0; j < 784; ++j)
      if (probe.pixels[i * 784 + j])
        x.push_back({j + 1, static_cast<double>(probe.pixels[i * 784 + j])});
    x.push_back({-1, 0});
    std::vector<double> theirs(pairs), p(10);
    svm_predict_values(m, x.data(), theirs.data());
    for (int q = 0; q < pairs; ++q) ASSERT_NEAR(theirs[q], dec[i * pairs + q], 1e-4) << spec;
    const double label = svm_predict_probability(m, x.data(), p.data());
    for (int c = 0; c < 10; ++c) ASSERT_NEAR(p[c], proba[i * 10 + c], 1e-4) << spec;
    const float* row = proba.data() + i * 10;
    EXPECT_EQ(label, std::max_element(row, row + 10) - row) << spec;
  }
  svm_free_and_destroy_model(&m);
}

TEST(SvmFormat, LibsvmReadsOurRbfModel) {
  expect_libsvm_agrees("svm");
}
TEST(SvmFormat, LibsvmReadsOurPolyModel) {
  expect_libsvm_agrees("svm:kernel=poly,degree=2,coef0=0.5");
}
TEST(SvmFormat, LibsvmReadsOurLinearModel) {
  expect_libsvm_agrees("svm:kernel=linear");
}

}  // namespace
}  // namespace fmnist
