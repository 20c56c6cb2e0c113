#include "models/xgboost.hpp"

#include <xgboost/c_api.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "core/threads.hpp"
#include "models/xgboost_features.hpp"

namespace fmnist {
namespace {

// Every C API call goes through here: XGBoost reports failures as -1 and
// keeps the message for XGBGetLastError().
void check(int rc, const char* what) {
  if (rc != 0) fail("xgboost: {} failed: {}", what, XGBGetLastError());
}

// The booster's own copy of what fmnist needs to predict after a reload;
// attributes live in xgboost.json, so Python sees them too.
constexpr const char* kZerosAttr = "fmnist_zeros";
// The feature plan (xgboost_features.hpp) as JSON, when it is not the
// pixels alone.
constexpr const char* kFeaturesAttr = "fmnist_features";
// "ROWSxCOLS": pixels+profiles, as models saved before plans existed say it.
constexpr const char* kProfilesAttr = "fmnist_profiles";

std::string float_text(double v) {
  // Shortest text that reads back to the same double: XGBoost parses it.
  return fmt::format("{}", v);
}

// NumPy's __array_interface__ as JSON: XGBoost reads the bytes in place
// ("|u1"), no float copy of the images.
std::string array_interface(const uint8_t* data, size_t rows, size_t cols) {
  return fmt::format(R"({{"data": [{}, true], "shape": [{}, {}], "typestr": "|u1", "version": 3}})",
                     reinterpret_cast<uintptr_t>(data), rows, cols);
}

// What XGBoost sees of a set: the pixels in place, or the plan's features.
class Features {
 public:
  Features(const Dataset& d, const BoostFeatures& plan) : n_(d.size()) {
    if (plan.pixels_only()) {
      dim_ = d.image_size();
      data_ = d.pixels.data();
      return;
    }
    owned_ = plan.transform(d, threads());
    dim_ = plan.dim();
    data_ = owned_.data();
  }
  const uint8_t* data() const { return data_; }
  size_t size() const { return n_; }
  size_t dim() const { return dim_; }

 private:
  size_t n_, dim_ = 0;
  const uint8_t* data_ = nullptr;
  std::vector<uint8_t> owned_;
};

// A DMatrix that frees itself.
class DMatrix {
 public:
  DMatrix(const Features& x, const std::vector<uint8_t>& y, bool zero_missing, const char* who) {
    const std::string config =
        fmt::format(R"({{"missing": {}, "nthread": {}}})", zero_missing ? "0.0" : "NaN", threads());
    check(XGDMatrixCreateFromDense(array_interface(x.data(), x.size(), x.dim()).c_str(),
                                   config.c_str(), &h_),
          who);
    std::vector<float> labels(y.begin(), y.end());
    check(XGDMatrixSetFloatInfo(h_, "label", labels.data(), labels.size()), "setting labels");
  }
  ~DMatrix() {
    if (h_) XGDMatrixFree(h_);
  }
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  DMatrixHandle get() const { return h_; }

 private:
  DMatrixHandle h_ = nullptr;
};

// "[3]\ttrain-mlogloss:0.51\ttrain-merror:0.12\tval-mlogloss:..." into
// {"train": {"mlogloss": 0.51, ...}, ...}.
std::map<std::string, std::map<std::string, double>> parse_eval(const std::string& text) {
  std::map<std::string, std::map<std::string, double>> out;
  size_t start = text.find('\t');
  while (start != std::string::npos) {
    const size_t end = text.find('\t', start + 1);
    const std::string item =
        text.substr(start + 1, end == std::string::npos ? end : end - start - 1);
    const size_t dash = item.find('-'), colon = item.rfind(':');
    if (dash != std::string::npos && colon != std::string::npos && dash < colon) {
      out[item.substr(0, dash)][item.substr(dash + 1, colon - dash - 1)] =
          std::strtod(item.c_str() + colon + 1, nullptr);
    }
    start = end;
  }
  return out;
}

// The model as XGBoost's JSON document (trees as arrays).
nlohmann::json model_json(BoosterHandle h) {
  bst_ulong len = 0;
  const char* buf = nullptr;
  check(XGBoosterSaveModelToBuffer(h, R"({"format": "json"})", &len, &buf), "saving the model");
  return nlohmann::json::parse(buf, buf + len);
}

}  // namespace

XgBoost::XgBoost(Settings s) : Classifier(std::move(s)) {
  // `quick` trades about a point of accuracy for a fit several times
  // shorter (docs/DESIGN.md has the figures); any setting given explicitly
  // still wins over the preset.
  const bool quick =
      settings_.get_choice("preset", "full",
                           "full: XGBClassifier's recipe; quick: 80 rounds on 32 "
                           "bins per pixel: about a point lower, a tenth of the time",
                           {"full", "quick"}) == "quick";
  rounds_ =
      settings_.get_int("rounds", quick ? 80 : 200, "boosting rounds (10 trees each)", 1, 100000);
  const int depth = settings_.get_int("max_depth", 6, "maximum tree depth", 1, 30);
  const double eta = settings_.get_double("eta", 0.3, "learning rate (shrinkage)", 1e-6, 1.0);
  const std::string method =
      settings_.get_choice("tree_method", "hist", "split finding: hist (binned), approx or exact",
                           {"hist", "approx", "exact"});
  const double subsample = settings_.get_double(
      "subsample", 1.0, "share of the images each round's trees see", 1e-3, 1.0);
  const double colsample = settings_.get_double(
      "colsample_bytree", 1.0, "share of the pixels each tree may split on", 1e-3, 1.0);
  const double min_child = settings_.get_double("min_child_weight", 1.0,
                                                "smallest hessian sum a leaf may have", 0.0, 1e6);
  const double lambda = settings_.get_double("lambda", 1.0, "L2 penalty on leaf weights", 0.0, 1e6);
  const int max_bin =
      settings_.get_int("max_bin", quick ? 32 : 256,
                        "histogram bins per pixel (hist; pixels have 256 values)", 2, 1024);
  early_stopping_ = settings_.get_int(
      "early_stopping", 0,
      "stop when validation log-loss has not improved for this many rounds (0: off; needs --val)",
      0, 100000);
  // Pixels are 0 over about half of every image: as "missing" XGBoost skips
  // them when it builds histograms (faster), and each split still learns
  // which side the zeros go, so no split is lost.
  zero_missing_ = settings_.get_choice("zeros", "missing",
                                       "zero pixels as missing values (sparse, faster) or as "
                                       "ordinary values (Python XGBClassifier on a dense array)",
                                       {"missing", "value"}) == "missing";
  const std::string parts = settings_.get_string(
      "features", "pixels",
      "what the trees split on, parts joined by '+': pixels, pooled (2x2 means), profiles "
      "(each row's and column's mean ink), hog (histograms of gradients), e.g. "
      "hog+pooled+profiles");
  const int hog_cell =
      settings_.get_int("hog_cell", 7, "HOG cell side in pixels (with hog)", 2, 64);
  plan_ = BoostFeatures::parse(parts, hog_cell);
  params_ = {{"max_depth", std::to_string(depth)},
             {"eta", float_text(eta)},
             {"tree_method", method},
             {"subsample", float_text(subsample)},
             {"colsample_bytree", float_text(colsample)},
             {"min_child_weight", float_text(min_child)},
             {"lambda", float_text(lambda)},
             {"max_bin", std::to_string(max_bin)}};
}

XgBoost::~XgBoost() {
  if (booster_) XGBoosterFree(booster_);
}

void XgBoost::fit(const Dataset& train, const FitContext& ctx) {
  if (train.size() == 0) fail("xgboost: empty training set");
  const bool with_val = ctx.val && ctx.val->size() > 0;
  if (with_val && ctx.val->image_size() != train.image_size()) {
    fail("xgboost: validation images have {} pixels, training images {}", ctx.val->image_size(),
         train.image_size());
  }
  if (early_stopping_ > 0 && !with_val) {
    log::warn("xgboost: early_stopping={} needs a validation set (--val); training all {} rounds",
              early_stopping_, rounds_);
  }
  dim_ = train.image_size();
  plan_ = plan_.for_images(train.rows, train.cols);
  // XGBoost copies the features into its own matrix: each Features is
  // freed once its DMatrix is built.
  DMatrix dtrain(Features(train, plan_), train.labels, zero_missing_,
                 "building the training matrix");
  std::optional<DMatrix> dval;
  if (with_val)
    dval.emplace(Features(*ctx.val, plan_), ctx.val->labels, zero_missing_,
                 "building the validation matrix");
  std::vector<DMatrixHandle> mats = {dtrain.get()};
  std::vector<const char*> names = {"train"};
  if (dval) {
    mats.push_back(dval->get());
    names.push_back("val");
  }
  if (booster_) {
    XGBoosterFree(booster_);
    booster_ = nullptr;
  }
  // Both matrices are given at creation so XGBoost caches their predictions
  // between rounds: evaluating them costs a metric, not a prediction.
  check(XGBoosterCreate(mats.data(), mats.size(), &booster_), "creating the booster");
  auto set = [&](const char* key, const std::string& value) {
    check(XGBoosterSetParam(booster_, key, value.c_str()),
          fmt::format("setting {}={}", key, value).c_str());
  };
  set("objective", "multi:softprob");
  set("num_class", std::to_string(kNumClasses));
  set("eval_metric", "merror");    // each eval_metric adds one; the last one
  set("eval_metric", "mlogloss");  // is what early stopping watches
  // XGBoost keeps seeds in 31 bits in Python (numpy's RandomState).
  set("seed", std::to_string(ctx.seed & 0x7fffffff));
  set("nthread", std::to_string(threads()));
  set("verbosity", "1");  // warnings only
  for (const auto& [k, v] : params_) set(k.c_str(), v);
  set_attributes();

  history_ = nlohmann::json::array();
  double best = std::numeric_limits<double>::infinity();
  int best_round = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds_; ++r) {
    check(XGBoosterUpdateOneIter(booster_, r, dtrain.get()), "boosting a round");
    const char* eval = nullptr;
    check(XGBoosterEvalOneIter(booster_, r, mats.data(), names.data(), mats.size(), &eval),
          "evaluating a round");
    const auto scores = parse_eval(eval);
    // The names other models' histories use: loss = XGBoost's mlogloss,
    // accuracy = 1 - merror.
    nlohmann::json h = {{"round", r + 1}};
    for (const auto& [set_name, metrics] : scores) {
      if (metrics.count("mlogloss")) h[set_name + "_loss"] = metrics.at("mlogloss");
      if (metrics.count("merror")) h[set_name + "_accuracy"] = 1.0 - metrics.at("merror");
    }
    h["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    history_.push_back(h);
    const std::string which = dval ? "val" : "train";
    ctx.report(
        r + 1, rounds_,
        h.contains(which + "_accuracy")
            ? fmt::format("{} merror {:.4f}", which, 1.0 - h[which + "_accuracy"].get<double>())
            : std::string());
    if (dval && early_stopping_ > 0 && h.contains("val_loss")) {
      const double loss = h["val_loss"].get<double>();
      if (loss < best) {
        best = loss;
        best_round = r;
      } else if (r - best_round >= early_stopping_) {
        history_.back()["stop"] = fmt::format("early stopping: best round {}", best_round + 1);
        break;
      }
    }
  }
  if (dval && early_stopping_ > 0) {
    // Keep the best rounds only, so the saved model (and Python reading it)
    // predicts as the best round did.
    int done = 0;
    check(XGBoosterBoostedRounds(booster_, &done), "counting rounds");
    if (best_round + 1 < done) {
      BoosterHandle sliced = nullptr;
      check(XGBoosterSlice(booster_, 0, best_round + 1, 1, &sliced), "slicing the best rounds");
      XGBoosterFree(booster_);
      booster_ = sliced;
      set_attributes();
    }
  }
}

void XgBoost::set_attributes() {
  check(XGBoosterSetAttr(booster_, kZerosAttr, zero_missing_ ? "missing" : "value"),
        "setting an attribute");
  const std::string plan = plan_.attribute();
  check(XGBoosterSetAttr(booster_, kFeaturesAttr, plan_.pixels_only() ? nullptr : plan.c_str()),
        "setting an attribute");
}

void XgBoost::predict_proba(const Dataset& data, float* out) const {
  if (!booster_) fail("xgboost: the model is not fitted");
  if (data.image_size() != dim_) {
    fail("xgboost: model expects {} pixels per image, data has {} ({}x{})", dim_, data.image_size(),
         data.rows, data.cols);
  }
  if (!plan_.pixels_only() && (data.rows != plan_.rows() || data.cols != plan_.cols())) {
    fail("xgboost: model expects {}x{} images (its features are {}), data has {}x{}", plan_.rows(),
         plan_.cols(), plan_.spelled(), data.rows, data.cols);
  }
  if (data.size() == 0) return;
  check(XGBoosterSetParam(booster_, "nthread", std::to_string(threads()).c_str()),
        "setting nthread");
  const std::string config =
      fmt::format(R"({{"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, )"
                  R"("strict_shape": true, "missing": {}, "cache_id": 0}})",
                  zero_missing_ ? "0.0" : "NaN");
  const bst_ulong* shape = nullptr;
  bst_ulong ndim = 0;
  const float* result = nullptr;
  const Features x(data, plan_);
  check(XGBoosterPredictFromDense(booster_, array_interface(x.data(), x.size(), x.dim()).c_str(),
                                  config.c_str(), nullptr, &shape, &ndim, &result),
        "predicting");
  if (ndim != 2 || shape[0] != data.size() || shape[1] != kNumClasses) {
    fail("xgboost: prediction has an unexpected shape (not {} x {})", data.size(), kNumClasses);
  }
  // The result lives in the booster until its next call: copy it out now.
  std::copy(result, result + data.size() * kNumClasses, out);
}

void XgBoost::save(const std::filesystem::path& dir) const {
  if (!booster_) fail("xgboost: the model is not fitted");
  bst_ulong len = 0;
  const char* buf = nullptr;
  check(XGBoosterSaveModelToBuffer(booster_, R"({"format": "json"})", &len, &buf),
        "saving the model");
  // Not model.json: that name holds fmnist's own description of the model.
  write_file_atomic(dir / "xgboost.json", std::string_view(buf, len));
}

void XgBoost::load(const std::filesystem::path& dir) {
  const auto path = dir / "xgboost.json";
  const auto bytes = read_file(path);
  BoosterHandle h = nullptr;
  check(XGBoosterCreate(nullptr, 0, &h), "creating the booster");
  if (XGBoosterLoadModelFromBuffer(h, bytes.data(), bytes.size()) != 0) {
    const std::string why = XGBGetLastError();
    XGBoosterFree(h);
    fail("{}: not an XGBoost model: {}", path.string(), why);
  }
  // Read everything before taking the booster, so a bad file leaves this
  // model as it was.
  auto attr = [&](const char* key) -> std::optional<std::string> {
    const char* value = nullptr;
    int found = 0;
    if (XGBoosterGetAttr(h, key, &value, &found) != 0 || !found) return std::nullopt;
    return std::string(value);
  };
  bst_ulong features = 0;
  if (XGBoosterGetNumFeature(h, &features) != 0) {
    const std::string why = XGBGetLastError();
    XGBoosterFree(h);
    fail("{}: cannot read the feature count: {}", path.string(), why);
  }
  BoostFeatures plan = BoostFeatures::parse("pixels", 7);
  try {
    if (const auto text = attr(kFeaturesAttr)) {
      plan = BoostFeatures::from_attribute(*text, path.string());
    } else if (const auto shape = attr(kProfilesAttr)) {
      int rows = 0, cols = 0;
      char x = 0, extra = 0;
      if (std::sscanf(shape->c_str(), "%d%c%d%c", &rows, &x, &cols, &extra) != 3 || x != 'x' ||
          rows < 1 || cols < 1 || rows > 4096 || cols > 4096)
        fail("{}: attribute {}='{}' is not ROWSxCOLS", path.string(), kProfilesAttr, *shape);
      plan = BoostFeatures::from_profiles(rows, cols);
    }
    if (!plan.pixels_only() && features != plan.dim()) {
      fail("{}: its feature plan ({} on {}x{} images) has {} features, the model {}", path.string(),
           plan.spelled(), plan.rows(), plan.cols(), plan.dim(), features);
    }
  } catch (...) {
    XGBoosterFree(h);
    throw;
  }
  if (booster_) XGBoosterFree(booster_);
  booster_ = h;
  plan_ = std::move(plan);
  dim_ = plan_.pixels_only() ? features : static_cast<size_t>(plan_.rows()) * plan_.cols();
  // A model written by Python without our attribute was fitted on a dense
  // array: zeros are values there.
  zero_missing_ = attr(kZerosAttr) == "missing";
}

int64_t XgBoost::num_parameters() const {
  if (!booster_) return 0;
  const auto j = model_json(booster_);
  int64_t nodes = 0;
  for (const auto& tree : j.at("learner").at("gradient_booster").at("model").at("trees"))
    nodes += tree.at("left_children").size();
  return nodes;
}

std::optional<FeatureImportance> XgBoost::feature_importance() const {
  if (!booster_) return std::nullopt;
  // Average gain per split on each feature, normalised to sum to 1: Python's
  // XGBClassifier.feature_importances_ (importance_type "gain"). Per class,
  // the same over that class's trees. A feature other than a pixel shares
  // its gain evenly among the pixels it reads.
  const size_t nf = plan_.pixels_only() ? dim_ : plan_.dim();
  const auto j = model_json(booster_);
  const auto& model = j.at("learner").at("gradient_booster").at("model");
  const auto& trees = model.at("trees");
  const auto tree_class = model.at("tree_info").get<std::vector<int>>();
  std::vector<double> gain((kNumClasses + 1) * nf), count((kNumClasses + 1) * nf);
  for (size_t t = 0; t < trees.size(); ++t) {
    const auto left = trees[t].at("left_children").get<std::vector<int>>();
    const auto feature = trees[t].at("split_indices").get<std::vector<int>>();
    const auto loss = trees[t].at("loss_changes").get<std::vector<double>>();
    const size_t c = static_cast<size_t>(tree_class.at(t)) + 1;
    for (size_t n = 0; n < left.size(); ++n) {
      if (left[n] < 0 || static_cast<size_t>(feature[n]) >= nf) continue;  // leaf
      for (size_t row : {size_t{0}, c}) {
        gain[row * nf + feature[n]] += loss[n];
        count[row * nf + feature[n]] += 1;
      }
    }
  }
  auto map = [&](size_t row) {
    std::vector<double> avg(nf);
    double total = 0;
    for (size_t f = 0; f < nf; ++f) {
      const size_t i = row * nf + f;
      avg[f] = count[i] > 0 ? gain[i] / count[i] : 0.0;
      total += avg[f];
    }
    if (!plan_.pixels_only()) avg = plan_.onto_pixels(avg);
    std::vector<float> m(dim_);
    for (size_t p = 0; p < dim_; ++p) m[p] = static_cast<float>(total > 0 ? avg[p] / total : 0.0);
    return m;
  };
  FeatureImportance fi;
  fi.kind = "gain";
  fi.overall = map(0);
  for (int c = 0; c < kNumClasses; ++c) fi.per_class.push_back(map(c + 1));
  return fi;
}

}  // namespace fmnist
