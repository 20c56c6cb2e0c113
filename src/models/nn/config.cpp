#include "models/nn/config.hpp"

#include <charconv>

#include "core/error.hpp"

namespace fmnist::nn {

TrainConfig read_train_config(Settings& s, const RecipeDefaults& d) {
  TrainConfig c;
  c.device = s.get_choice("device", "cpu",
                          "where to train and predict; cuda falls back to the CPU "
                          "with a warning when no GPU is usable",
                          {"cpu", "cuda"});
  c.epochs = s.get_int("epochs", d.epochs, "passes over the training set", 1, 10000);
  c.batch = s.get_int("batch", d.batch, "images per optimiser step", 1, 65536);
  c.optimizer = s.get_choice("optimizer", d.optimizer, "sgd is SGD with Nesterov momentum",
                             {"sgd", "adam", "adamw"});
  c.lr = s.get_double("lr", d.lr, "peak learning rate", 1e-7, 10);
  c.momentum = s.get_double("momentum", 0.9, "SGD momentum, or Adam's beta1", 0, 0.999);
  c.weight_decay =
      s.get_double("weight_decay", d.weight_decay,
                   "L2 penalty (adamw: decoupled); not applied to biases and norms", 0, 1);
  c.clip = s.get_double("clip", 0, "clip the gradient norm to this (0: no clipping)", 0, 1e6);
  c.schedule = s.get_choice("schedule", d.schedule, "learning-rate schedule",
                            {"constant", "step", "cosine", "onecycle", "plateau"});
  c.warmup = s.get_double("warmup", d.warmup,
                          "epochs of linear warm-up (onecycle: 0 means the usual 30% of the run)",
                          0, 10000);
  c.step_every = s.get_int("step_every", 5, "step: epochs between learning-rate decays", 1, 10000);
  c.gamma = s.get_double("gamma", 0.1, "step, plateau: factor applied at each decay", 1e-4, 1);
  c.plateau_patience = s.get_int("plateau_patience", 2,
                                 "plateau: epochs without improvement before a decay", 1, 1000);
  c.label_smoothing = s.get_double("label_smoothing", d.label_smoothing,
                                   "share of the target spread over all classes", 0, 0.5);
  c.augment.translate = s.get_int("translate", d.augment.translate,
                                  "augment: random shift of up to this many pixels", 0, 8);
  c.augment.flip = s.get_bool("flip", d.augment.flip, "augment: random left-right mirror");
  c.augment.erase = s.get_double("erase", d.augment.erase,
                                 "augment: probability of blanking a random rectangle", 0, 1);
  c.patience = s.get_int(
      "patience", 0, "early stopping: epochs without validation improvement (0: off)", 0, 10000);
  c.monitor = s.get_choice("monitor", "val_loss", "what early stopping and plateau watch",
                           {"val_loss", "val_accuracy"});
  c.restore_best =
      s.get_bool("restore_best", true, "end with the weights of the best validation epoch");
  c.channels_last = s.get_bool("channels_last", d.channels_last,
                               "NHWC memory layout for convolutions (often faster on CPUs)");
  c.tta = s.get_bool("tta", false,
                     "test-time augmentation: predict the mean of the image's and its "
                     "mirror's probabilities (2x the inference time)");
  return c;
}

std::vector<int> parse_widths(const std::string& model, const std::string& key,
                              const std::string& text, int lo, int hi, bool allow_empty) {
  std::vector<int> out;
  if (allow_empty && text == "none") return out;
  size_t start = 0;
  while (true) {
    const size_t dash = text.find('-', start);
    const std::string item = text.substr(start, dash == std::string::npos ? dash : dash - start);
    int v = 0;
    auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (item.empty() || ec != std::errc() || p != item.data() + item.size() || v < lo || v > hi) {
      fail(
          "{}: setting {}={} is invalid: expected widths from {} to {} joined by '-' (e.g. "
          "400-100){}",
          model, key, text, lo, hi, allow_empty ? ", or none" : "");
    }
    out.push_back(v);
    if (dash == std::string::npos) break;
    start = dash + 1;
  }
  return out;
}

}  // namespace fmnist::nn
