// Training the neural models through the Classifier interface: accuracy
// floors on real data, save/load, determinism, resume, early stopping.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <numeric>

#include "data/source.hpp"
#include "eval/metrics.hpp"
#include "models/model_io.hpp"
#include "models/nn/safetensors.hpp"
#include "models/registry.hpp"
#include "support/expect_error.hpp"
#include "support/fixtures.hpp"

namespace fmnist {
namespace {

namespace fs = std::filesystem;

// The real training file's first `n` images (about 10% per class) and the
// official test set, loaded once.
struct Real {
  Dataset train, val, test;
};
const Real& real(size_t n = 10000) {
  static const Real r = [] {
    DataOptions o;
    o.data = test::real_data_dir().string();
    o.val = 0;
    DataSplits s = load_data(o);
    std::vector<uint32_t> idx(10000), vidx(2000);
    std::iota(idx.begin(), idx.end(), 0u);
    std::iota(vidx.begin(), vidx.end(), 50000u);
    return Real{s.train.subset(idx), s.train.subset(vidx), std::move(s.test)};
  }();
  return r;
}

Dataset first(const Dataset& d, size_t n) {
  std::vector<uint32_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0u);
  return d.subset(idx);
}

double test_accuracy(const Classifier& m) {
  return accuracy(m.predict(real().test), real().test.labels);
}

TEST(NnTrain, MlpClearsItsFloorOnARealSubset) {
  // 10,000 images, 4 epochs of 79 steps.
  auto m = make_model("mlp:epochs=4");
  FitContext ctx;
  ctx.val = &real().val;
  std::vector<double> done;
  std::string status;
  ctx.progress = [&](double d, double total, const std::string& s) {
    EXPECT_EQ(total, 4);
    done.push_back(d);
    status = s;
  };
  m->fit(real().train, ctx);
  EXPECT_GE(test_accuracy(*m), 0.82);
  ASSERT_FALSE(done.empty());
  EXPECT_EQ(done.back(), 4);
  EXPECT_TRUE(std::is_sorted(done.begin(), done.end()));
  EXPECT_NE(status.find("loss"), std::string::npos);

  const auto h = m->history();
  ASSERT_EQ(h.size(), 4u);
  for (const char* key : {"epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr",
                          "seconds", "images_per_second"})
    EXPECT_TRUE(h[3].contains(key)) << key;
  EXPECT_LT(h[3]["train_loss"].get<double>(), h[0]["train_loss"].get<double>());
  EXPECT_EQ(m->num_parameters(), 355110);
  auto fi = m->feature_importance();
  ASSERT_TRUE(fi);
  EXPECT_EQ(fi->overall.size(), 784u);
}

TEST(NnTrain, CnnClearsItsFloorOnARealSubset) {
  // A narrower net than the default, without augmentation (which pays off
  // only in longer runs), keeps this quick: 2 epochs of 157 steps.
  auto m = make_model("cnn:channels=16-32,fc=64,epochs=2,batch=64,translate=0,flip=false");
  m->fit(real().train, {});
  EXPECT_GE(test_accuracy(*m), 0.80);
}

// Short runs of scaled-down versions of the other architectures (their
// default sizes are for the full-data recipe): each must learn the real data,
// not just run. Without augmentation, which pays off only in longer runs.
struct FloorCase {
  const char* spec;
  size_t images;
  double floor;
};
void PrintTo(const FloorCase& c, std::ostream* os) {
  *os << c.spec;
}
class NnFloor : public ::testing::TestWithParam<FloorCase> {};

TEST_P(NnFloor, ClearsItsFloorOnARealSubset) {
  const FloorCase& c = GetParam();
  auto m = make_model(std::string(c.spec) + ",flip=false,translate=0,erase=0");
  m->fit(first(real().train, c.images), {});
  const double acc = test_accuracy(*m);
  RecordProperty("test_accuracy", std::to_string(acc));
  EXPECT_GE(acc, c.floor) << c.spec;
}

INSTANTIATE_TEST_SUITE_P(
    Archs, NnFloor,
    ::testing::Values(
        FloorCase{"cnn-rnn:channels=16-32,rnn_hidden=64,epochs=2,batch=64", 10000, 0.80},
        FloorCase{"resnet:depth=8,width=8,epochs=3,batch=64,optimizer=adamw,lr=3e-3", 10000, 0.80},
        FloorCase{"mobilenetv2:width=0.1,epochs=3,batch=32,optimizer=adamw,lr=3e-3", 1500, 0.65},
        FloorCase{"vit:patch=7,dim=64,heads=4,blocks=2,mlp=128,epochs=3,batch=64", 10000, 0.75}),
    [](const auto& info) {
      return std::string(
          std::array<const char*, 4>{"CnnRnn", "ResNet", "MobileNetV2", "Vit"}[info.index]);
    });

// Small synthetic data and nets for the exactness tests.
const char* kSmallCnn =
    "cnn:channels=4-8,fc=16,epochs=2,batch=32,optimizer=adam,erase=0.5,dropout=0.3";
const char* kSmallMlp = "mlp:hidden=32-16,epochs=2,batch=32,optimizer=sgd,lr=0.05,translate=1";
// One small net of each other architecture.
const char* kSmallOthers[] = {"cnn-rnn:channels=4,rnn_hidden=8,epochs=2,batch=32",
                              "resnet:depth=8,width=4,epochs=2,batch=32",
                              "mobilenetv2:width=0.1,epochs=2,batch=32",
                              "vit:patch=7,dim=16,heads=2,blocks=1,mlp=32,epochs=2,batch=32"};

std::vector<std::string> small_specs() {
  std::vector<std::string> specs = {kSmallCnn, kSmallMlp};
  specs.insert(specs.end(), std::begin(kSmallOthers), std::end(kSmallOthers));
  return specs;
}

std::vector<float> fit_and_predict(const std::string& spec, uint64_t seed, const Dataset& train,
                                   const Dataset& eval, FitContext ctx = {}) {
  auto m = make_model(spec);
  ctx.seed = seed;
  m->fit(train, ctx);
  return m->predict_proba(eval);
}

TEST(NnTrain, SameSeedSameModelOtherSeedAnother) {
  auto train = test::make_dataset(200, 1), eval = test::make_dataset(40, 2);
  for (const auto& spec : small_specs()) {
    SCOPED_TRACE(spec);
    auto a = fit_and_predict(spec, 5, train, eval);
    EXPECT_EQ(a, fit_and_predict(spec, 5, train, eval));
    EXPECT_NE(a, fit_and_predict(spec, 6, train, eval));
  }
}

TEST(NnTrain, ReloadGivesIdenticalProbabilitiesFromEitherFormat) {
  test::TempDir dir;
  auto train = test::make_dataset(120, 1), eval = test::make_dataset(30, 2);
  for (const auto& spec : small_specs()) {
    SCOPED_TRACE(spec);
    auto m = make_model(spec);
    m->fit(train, {});
    const auto p = m->predict_proba(eval);
    save_model(*m, ModelInfo{}, dir / "m");
    for (const char* f : {"model.json", "nn.json", "weights.pt", "weights.safetensors"})
      EXPECT_TRUE(fs::exists(dir / "m" / f)) << f;
    auto back = load_model(dir / "m");
    EXPECT_EQ(back.model->predict_proba(eval), p);
    EXPECT_EQ(back.meta["history"].size(), 2u);
    EXPECT_EQ(back.model->num_parameters(), m->num_parameters());

    // Without LibTorch's archive the safetensors file must give the same.
    fs::remove(dir / "m" / "weights.pt");
    EXPECT_EQ(load_model(dir / "m").model->predict_proba(eval), p);
    auto st = nn::read_safetensors(dir / "m" / "weights.safetensors");
    EXPECT_TRUE(st.metadata.contains("mean") && st.metadata.contains("std"));
    EXPECT_EQ(st.tensors[0].dtype, "F32");
  }
}

TEST(NnTrain, SaliencyIsAFiniteMapPerImageAndLeavesTheNetAsItWas) {
  auto train = test::make_dataset(120, 1), eval = test::make_dataset(5, 2);
  for (const auto& spec : small_specs()) {
    SCOPED_TRACE(spec);
    auto m = make_model(spec);
    m->fit(train, {});
    const auto before = m->predict_proba(eval);
    const auto map = m->saliency(eval, m->predict(eval));
    ASSERT_EQ(map.size(), eval.size() * eval.image_size());
    double total = 0;
    for (float v : map) {
      ASSERT_TRUE(std::isfinite(v));
      ASSERT_GE(v, 0.f);
      total += v;
    }
    EXPECT_GT(total, 0);
    EXPECT_EQ(m->predict_proba(eval), before);
    EXPECT_EQ(m->saliency(eval, m->predict(eval)), map);
  }
}

TEST(NnTrain, PredictChecksImageSize) {
  auto m = make_model(kSmallMlp);
  test::expect_error([&] { m->predict(test::make_dataset(2, 1)); }, {"before fit"});
  m->fit(test::make_dataset(40, 1), {});
  test::expect_error([&] { m->predict(test::make_dataset(5, 1, 20, 20)); }, {"28x28", "20x20"});
}

struct Interrupted {};

TEST(NnTrain, TestTimeFlipAveragesTheImageAndItsMirror) {
  auto train = test::make_dataset(120, 1), eval = test::make_dataset(20, 2);
  Dataset mirrored = eval;
  for (size_t i = 0; i < eval.size(); ++i)
    for (int r = 0; r < eval.rows; ++r)
      for (int c = 0; c < eval.cols; ++c)
        mirrored.pixels[(i * eval.rows + r) * eval.cols + c] =
            eval.pixels[(i * eval.rows + r) * eval.cols + (eval.cols - 1 - c)];
  // tta only changes prediction: the same seed trains the same weights.
  const auto plain = make_model(kSmallCnn), tta = make_model(std::string(kSmallCnn) + ",tta=true");
  plain->fit(train, {});
  tta->fit(train, {});
  const auto a = plain->predict_proba(eval), b = plain->predict_proba(mirrored);
  const auto both = tta->predict_proba(eval);
  ASSERT_EQ(both.size(), a.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(both[i], (a[i] + b[i]) / 2, 1e-5) << i;
}

TEST(NnTrain, ResumedRunEndsWithTheWeightsOfAnUninterruptedOne) {
  test::TempDir dir;
  auto train = test::make_dataset(200, 1), val = test::make_dataset(50, 3),
       eval = test::make_dataset(40, 2);
  // Early stopping is on, so its state (best epoch, best weights) must
  // survive the checkpoint too.
  for (std::string spec : {std::string(kSmallCnn) + ",patience=5,flip=true,translate=2",
                           std::string(kSmallMlp) + ",schedule=plateau"}) {
    SCOPED_TRACE(spec);
    FitContext ctx;
    ctx.val = &val;
    ctx.checkpoint_dir = dir / "whole";
    auto whole = make_model(spec);
    ctx.seed = 11;
    whole->fit(train, ctx);

    ctx.checkpoint_dir = dir / "parts";
    ctx.progress = [](double done, double, const std::string&) {
      if (done >= 1) throw Interrupted{};  // right after epoch 1's checkpoint
    };
    EXPECT_THROW(make_model(spec)->fit(train, ctx), Interrupted);
    ctx.progress = nullptr;
    ctx.resume = true;
    auto resumed = make_model(spec);
    resumed->fit(train, ctx);

    EXPECT_EQ(resumed->predict_proba(eval), whole->predict_proba(eval));
    ASSERT_EQ(resumed->history().size(), 2u);
    for (const char* key : {"train_loss", "val_loss", "lr"})
      EXPECT_EQ(resumed->history()[1][key], whole->history()[1][key]) << key;
    fs::remove_all(dir / "whole");
    fs::remove_all(dir / "parts");
  }
}

TEST(NnTrain, ResumeRefusesAnotherRunsCheckpoint) {
  test::TempDir dir;
  auto train = test::make_dataset(64, 1);
  FitContext ctx;
  ctx.checkpoint_dir = dir.path();
  make_model(kSmallMlp)->fit(train, ctx);
  EXPECT_TRUE(fs::exists(dir / "checkpoint" / "state.pt"));
  ctx.resume = true;
  test::expect_error([&] { make_model(std::string(kSmallMlp) + ",momentum=0.8")->fit(train, ctx); },
                     {"checkpoint is of another run", "spec"});
  ctx.seed = 99;
  test::expect_error([&] { make_model(kSmallMlp)->fit(train, ctx); }, {"seed"});
}

TEST(NnTrain, EarlyStoppingRestoresTheBestEpoch) {
  // 500 images and no regularisation: the validation loss soon turns up.
  const Dataset train = first(real().train, 500);
  auto m = make_model(
      "mlp:epochs=60,patience=3,schedule=constant,lr=0.001,optimizer=adam,dropout=0,"
      "label_smoothing=0,batch=50");
  FitContext ctx;
  ctx.val = &real().val;
  m->fit(train, ctx);
  const auto h = m->history();
  ASSERT_LT(h.size(), 60u) << "did not stop early";
  size_t best = 0;
  for (size_t i = 0; i < h.size(); ++i)
    if (h[i]["val_loss"] < h[best]["val_loss"]) best = i;
  EXPECT_EQ(h.size(), best + 1 + 3);
  EXPECT_NEAR(log_loss(m->predict_proba(real().val), real().val.labels),
              h[best]["val_loss"].get<double>(), 1e-4);
}

}  // namespace
}  // namespace fmnist
