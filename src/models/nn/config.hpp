#pragma once
// What a neural model is made of, as plain data read from its settings: the
// network's shape (NetSpec) and the training recipe (TrainConfig). No LibTorch
// here, so the registry and the CLI compile without its headers.
#include <string>
#include <vector>

#include "models/settings.hpp"

namespace fmnist::nn {

struct NetSpec {
  // mlp, cnn, cnn-rnn, resnet, mobilenetv2 or vit.
  std::string arch;
  std::vector<int> hidden;    // mlp: widths of the hidden layers
  std::vector<int> channels;  // cnn, cnn-rnn: channels of each conv block (each halves the image)
  int fc = 128;               // cnn: width of the dense layer (0: none)
  double dropout = 0;
  bool batch_norm = true;
  // cnn-rnn: the rows of the conv features, top to bottom, are the sequence.
  std::string rnn = "lstm";  // lstm or gru
  int rnn_hidden = 128;
  bool bidirectional = true;
  // resnet: pre-activation, 6n+2 layers, stages of width, 2x, 4x channels.
  int depth = 20;
  int width = 16;
  // mobilenetv2: channel multiplier of every layer (the last one never shrinks).
  double width_mult = 1.0;
  int head = 1280;      // mobilenetv2: channels of the last 1x1 conv (never shrunk by width_mult)
  int stem_stride = 1;  // mobilenetv2: 2 halves the image in the first conv
  bool zero_gamma = false;  // mobilenetv2: residual blocks start as the identity
  // vit
  int patch = 4;
  int dim = 128;
  int heads = 4;
  int blocks = 6;
  int mlp_dim = 256;
};

struct AugmentConfig {
  int translate = 0;  // random shift of up to this many pixels (pad + crop)
  bool flip = false;  // random left-right mirror
  double erase = 0;   // probability of random erasing (a blanked rectangle)
  bool any() const { return translate > 0 || flip || erase > 0; }
};

struct TrainConfig {
  std::string device = "cpu";
  int epochs = 10;
  int batch = 128;
  std::string optimizer = "adamw";  // sgd (Nesterov), adam, adamw
  double lr = 1e-3;
  double momentum = 0.9;  // SGD momentum, Adam's beta1
  double weight_decay = 0;
  double clip = 0;                    // gradient-norm clip, 0: none
  std::string schedule = "onecycle";  // constant, step, cosine, onecycle, plateau
  double warmup = 0;                  // epochs of linear warm-up
  int step_every = 5;                 // step: epochs between decays
  double gamma = 0.1;                 // step / plateau: decay factor
  int plateau_patience = 2;           // plateau: epochs without improvement before decaying
  double label_smoothing = 0;
  AugmentConfig augment;
  int patience = 0;                  // early stopping, 0: off
  std::string monitor = "val_loss";  // val_loss or val_accuracy
  bool restore_best = true;
  bool channels_last = false;
  bool tta = false;  // predict: average over the image and its mirror
};

// The recipe defaults a model chooses for itself.
struct RecipeDefaults {
  int epochs = 10;
  int batch = 128;
  std::string optimizer = "adamw";
  double lr = 1e-3;
  double weight_decay = 0;
  std::string schedule = "onecycle";
  double warmup = 0;
  double label_smoothing = 0;
  AugmentConfig augment;
  bool channels_last = false;
};

// Declares and reads every training setting (the same for all nets).
TrainConfig read_train_config(Settings& s, const RecipeDefaults& d);
// "400-100" -> {400, 100}; `allow_empty` accepts "none" for no layers.
std::vector<int> parse_widths(const std::string& model, const std::string& key,
                              const std::string& text, int lo, int hi, bool allow_empty);

}  // namespace fmnist::nn
