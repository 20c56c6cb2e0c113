// The neural models' settings and recipe defaults. Each default recipe was
// measured on the full data (docs/DESIGN.md, "Neural networks").
#include "models/nn/neural.hpp"

namespace fmnist::nn {

Mlp::Mlp(Settings s) : NeuralClassifier(std::move(s)) {
  NetSpec spec;
  spec.arch = "mlp";
  spec.hidden = parse_widths("mlp", "hidden",
                             settings_.get_string("hidden", "400-100",
                                                  "widths of the hidden ReLU layers, e.g. 400-100 "
                                                  "(none: multinomial logistic regression)"),
                             1, 65536, true);
  spec.dropout = settings_.get_double("dropout", 0.2, "dropout after each hidden layer", 0, 0.95);
  set_spec(spec);
  RecipeDefaults d;
  d.epochs = 30;
  d.batch = 128;
  d.optimizer = "adamw";
  d.lr = 2e-3;
  d.weight_decay = 1e-4;
  d.schedule = "onecycle";
  d.label_smoothing = 0.1;
  read_recipe(d);
}

Cnn::Cnn(Settings s) : NeuralClassifier(std::move(s)) {
  NetSpec spec;
  spec.arch = "cnn";
  spec.channels = parse_widths(
      "cnn", "channels",
      settings_.get_string("channels", "32-64",
                           "channels of each 3x3 conv-BN-ReLU-maxpool block, e.g. 32-64"),
      1, 4096, false);
  spec.fc =
      settings_.get_int("fc", 128, "width of the dense layer after the convs (0: none)", 0, 65536);
  spec.dropout = settings_.get_double("dropout", 0.25, "dropout before each dense layer", 0, 0.95);
  spec.batch_norm = settings_.get_bool("batch_norm", true, "batch normalisation after each conv");
  set_spec(spec);
  RecipeDefaults d;
  d.epochs = 15;
  d.batch = 128;
  d.optimizer = "adamw";
  d.lr = 3e-3;
  d.weight_decay = 5e-4;
  d.schedule = "onecycle";
  d.label_smoothing = 0.1;
  d.augment.flip = true;
  d.augment.translate = 2;
  d.channels_last = true;
  read_recipe(d);
}

}  // namespace fmnist::nn
