// The plain-C++ parts of the neural models: settings, schedules, batches and
// augmentation, safetensors.
#include <gtest/gtest.h>

#include <cmath>

#include "models/nn/batch.hpp"
#include "models/nn/safetensors.hpp"
#include "models/nn/schedule.hpp"
#include "models/registry.hpp"
#include "support/expect_error.hpp"
#include "support/fixtures.hpp"

namespace fmnist::nn {
namespace {

using test::expect_error;

TEST(NnSettings, UnknownSettingsAndBadValuesAreErrors) {
  expect_error([] { make_model("mlp:bogus=1"); }, {"unknown setting 'bogus'", "hidden", "epochs"});
  expect_error([] { make_model("cnn:optimizer=rmsprop"); },
               {"optimizer=rmsprop", "sgd, adam, adamw"});
  expect_error([] { make_model("mlp:hidden=400-x"); }, {"hidden=400-x", "joined by '-'"});
  expect_error([] { make_model("mlp:hidden=400--100"); }, {"hidden=400--100"});
  expect_error([] { make_model("cnn:channels=none"); }, {"channels=none"});
  expect_error([] { make_model("cnn:lr=0"); }, {"lr=0", "from"});
  expect_error([] { make_model("cnn:schedule=linear"); }, {"schedule=linear", "onecycle"});
  expect_error([] { make_model("cnn:device=tpu"); }, {"device=tpu", "cpu, cuda"});
  expect_error([] { make_model("mlp:dropout=1"); }, {"dropout=1"});
}

TEST(NnSettings, CanonicalSpecRebuildsTheSameModel) {
  auto m = make_model("mlp:hidden=64-32,epochs=3,schedule=cosine");
  auto again = make_model(m->settings().canonical_spec());
  EXPECT_EQ(again->settings().canonical_spec(), m->settings().canonical_spec());
  EXPECT_NE(m->settings().canonical_spec().find("hidden=64-32"), std::string::npos);
  EXPECT_EQ(make_model("mlp:hidden=none")->settings().to_json()["hidden"], "none");
}

TrainConfig config(const std::string& schedule, int epochs, double warmup = 0) {
  TrainConfig c;
  c.schedule = schedule;
  c.epochs = epochs;
  c.lr = 0.1;
  c.warmup = warmup;
  return c;
}

TEST(NnSchedule, OneCycleRisesFromAFractionThenAnnealsToNearZero) {
  LrSchedule s(config("onecycle", 10), 100);
  EXPECT_EQ(s.total_steps(), 1000);
  EXPECT_EQ(s.warmup_steps(), 300);  // 30% of the run by default
  EXPECT_NEAR(s.at(0), 0.1 / 25, 1e-12);
  EXPECT_NEAR(s.at(300), 0.1, 1e-12);
  EXPECT_LT(s.at(999), 1e-5);
  for (int i = 1; i < 300; ++i) EXPECT_GT(s.at(i), s.at(i - 1));
  for (int i = 301; i < 1000; ++i) EXPECT_LT(s.at(i), s.at(i - 1));
  EXPECT_EQ(LrSchedule(config("onecycle", 10, 1), 100).warmup_steps(), 100);
}

TEST(NnSchedule, WarmupThenCosineStepAndConstant) {
  LrSchedule cos(config("cosine", 10, 2), 10);
  EXPECT_NEAR(cos.at(0), 0.1 / 20, 1e-12);  // linear warm-up over 20 steps
  EXPECT_NEAR(cos.at(19), 0.1, 1e-12);
  EXPECT_NEAR(cos.at(20), 0.1, 1e-12);
  EXPECT_NEAR(cos.at(60), 0.05, 1e-12);  // halfway through the cosine
  EXPECT_LT(cos.at(99), 1e-3);

  auto c = config("step", 10);
  c.step_every = 3;
  c.gamma = 0.5;
  LrSchedule step(c, 10);
  EXPECT_DOUBLE_EQ(step.at(29), 0.1);
  EXPECT_DOUBLE_EQ(step.at(30), 0.05);
  EXPECT_DOUBLE_EQ(step.at(65), 0.025);

  LrSchedule flat(config("constant", 5), 7);
  EXPECT_DOUBLE_EQ(flat.at(0), 0.1);
  EXPECT_DOUBLE_EQ(flat.at(34), 0.1);
}

TEST(NnBatch, StandardisesWithTheTrainingMeanAndStd) {
  auto d = test::make_dataset(50, 3);
  Normalizer n = measure_normalizer(d);
  std::vector<uint32_t> idx(d.size());
  for (uint32_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::vector<float> x(d.size() * d.image_size());
  fill_batch(d, idx, n, nullptr, nullptr, x.data());
  double sum = 0, sum2 = 0;
  for (float v : x) {
    sum += v;
    sum2 += double(v) * v;
  }
  EXPECT_NEAR(sum / x.size(), 0.0, 1e-4);
  EXPECT_NEAR(sum2 / x.size(), 1.0, 1e-3);
}

// One 4x4 image with distinct pixels, so moves are easy to see.
Dataset tiny_image() {
  Dataset d;
  d.rows = d.cols = 4;
  d.labels = {0};
  for (int i = 0; i < 16; ++i) d.pixels.push_back(static_cast<uint8_t>(10 * (i + 1)));
  return d;
}

TEST(NnBatch, AugmentationShiftsMirrorsAndIsSeeded) {
  Dataset d = tiny_image();
  Normalizer raw{0.f, 1.f / 255.f};  // leaves pixel values as they are
  std::vector<uint32_t> idx = {0};
  AugmentConfig flip;
  flip.flip = true;
  std::vector<float> out(16);
  bool saw_mirror = false, saw_plain = false;
  Rng rng(1);
  for (int t = 0; t < 20; ++t) {
    fill_batch(d, idx, raw, &flip, &rng, out.data());
    if (std::lround(out[0]) == 40 && std::lround(out[3]) == 10) saw_mirror = true;
    if (std::lround(out[0]) == 10 && std::lround(out[3]) == 40) saw_plain = true;
  }
  EXPECT_TRUE(saw_mirror && saw_plain);

  AugmentConfig shift;
  shift.translate = 1;
  for (int t = 0; t < 20; ++t) {
    fill_batch(d, idx, raw, &shift, &rng, out.data());
    // A shift of at most one pixel each way keeps at least 3x3 of the 4x4.
    int kept = 0;
    for (float v : out) kept += v > 0;
    EXPECT_GE(kept, 9);
  }

  // Same seed, same draws.
  AugmentConfig all;
  all.translate = 2;
  all.flip = true;
  all.erase = 0.5;
  auto many = test::make_dataset(20, 5);
  std::vector<uint32_t> ids(20);
  for (uint32_t i = 0; i < 20; ++i) ids[i] = i;
  std::vector<float> a(20 * 784), b(20 * 784);
  Rng r1(9), r2(9);
  fill_batch(many, ids, raw, &all, &r1, a.data());
  fill_batch(many, ids, raw, &all, &r2, b.data());
  EXPECT_EQ(a, b);
}

TEST(NnBatch, ErasingBlanksARectangle) {
  auto d = test::make_dataset(1, 2);  // no pixel below 20
  Normalizer raw{0.f, 1.f / 255.f};
  AugmentConfig erase;
  erase.erase = 1.0;
  std::vector<uint32_t> idx = {0};
  std::vector<float> out(784);
  Rng rng(4);
  fill_batch(d, idx, raw, &erase, &rng, out.data());
  int zeros = 0;
  for (float v : out) zeros += v == 0.f;
  EXPECT_GE(zeros, static_cast<int>(0.02 * 784) - 4);
  EXPECT_LE(zeros, static_cast<int>(0.34 * 784));
}

TEST(NnSafetensors, RoundTripsAndLaysOutTheFormat) {
  test::TempDir dir;
  SafetensorsFile f;
  f.metadata = {{"format", "pt"}};
  std::vector<float> w = {1.5f, -2.f, 3.25f, 0.f, 7.f, 8.f};
  NamedTensor t{"layers.1.weight", "F32", {2, 3}, {}};
  t.data.assign(reinterpret_cast<uint8_t*>(w.data()), reinterpret_cast<uint8_t*>(w.data() + 6));
  NamedTensor n{"layers.2.num_batches_tracked", "I64", {}, std::vector<uint8_t>(8, 0)};
  n.data[0] = 42;
  f.tensors = {t, n};
  write_safetensors(dir / "w.safetensors", f);

  const auto bytes = test::read_text(dir / "w.safetensors");
  uint64_t header = 0;
  for (int i = 7; i >= 0; --i) header = (header << 8) | static_cast<uint8_t>(bytes[i]);
  EXPECT_EQ((8 + header) % 8, 0u);
  EXPECT_EQ(bytes.size(), 8 + header + 24 + 8);
  const std::string json = bytes.substr(8, header);
  EXPECT_NE(json.find(R"("layers.1.weight":{"data_offsets":[0,24],"dtype":"F32","shape":[2,3]})"),
            std::string::npos)
      << json;

  auto back = read_safetensors(dir / "w.safetensors");
  ASSERT_EQ(back.tensors.size(), 2u);
  EXPECT_EQ(back.tensors[0].name, "layers.1.weight");
  EXPECT_EQ(back.tensors[0].data, t.data);
  EXPECT_EQ(back.tensors[1].shape, std::vector<int64_t>{});
  EXPECT_EQ(back.tensors[1].data, n.data);
  EXPECT_EQ(back.metadata.at("format"), "pt");
}

TEST(NnSafetensors, RejectsBrokenFiles) {
  test::TempDir dir;
  test::write_text(dir / "short", "abc");
  expect_error([&] { read_safetensors(dir / "short"); }, {"not a safetensors file"});
  std::string big(8, '\0');
  big[0] = 100;
  test::write_text(dir / "long", big + "{}");
  expect_error([&] { read_safetensors(dir / "long"); }, {"runs past the end"});
  std::string h = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})";
  std::string bad(8, '\0');
  bad[0] = static_cast<char>(h.size());
  test::write_text(dir / "bad", bad + h + "1234");
  expect_error([&] { read_safetensors(dir / "bad"); }, {"'a'", "do not match"});
}

}  // namespace
}  // namespace fmnist::nn
