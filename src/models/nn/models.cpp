// The neural models' settings and recipe defaults. Each default recipe was
// measured on the full data (docs/DESIGN.md, "Neural networks").
#include "models/nn/neural.hpp"

namespace fmnist::nn {

namespace {
// The cnn's recipe (and the cnn-rnn's): AdamW with one-cycle, label
// smoothing, flips and 2-pixel shifts.
RecipeDefaults convnet_recipe() {
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
  return d;
}

// Deep residual nets: SGD with Nesterov momentum at 0.1 and weight decay
// 5e-4, as in the CIFAR recipes they come from, with random erasing on top
// of flips and shifts.
RecipeDefaults residual_recipe() {
  RecipeDefaults d;
  d.epochs = 30;
  d.batch = 128;
  d.optimizer = "sgd";
  d.lr = 0.1;
  d.weight_decay = 5e-4;
  d.schedule = "onecycle";
  d.augment.flip = true;
  d.augment.translate = 2;
  d.augment.erase = 0.5;
  d.channels_last = true;
  return d;
}
// The conv blocks' channels, shared by the cnn and the cnn-rnn.
std::vector<int> conv_channels(Settings& s, const char* model) {
  return parse_widths(model, "channels",
                      s.get_string("channels", "32-64",
                                   "channels of each 3x3 conv-BN-ReLU-maxpool block, e.g. 32-64"),
                      1, 4096, false);
}
}  // namespace

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
  spec.channels = conv_channels(settings_, "cnn");
  spec.fc =
      settings_.get_int("fc", 128, "width of the dense layer after the convs (0: none)", 0, 65536);
  spec.dropout = settings_.get_double("dropout", 0.25, "dropout before each dense layer", 0, 0.95);
  spec.batch_norm = settings_.get_bool("batch_norm", true, "batch normalisation after each conv");
  set_spec(spec);
  read_recipe(convnet_recipe());
}

CnnRnn::CnnRnn(Settings s) : NeuralClassifier(std::move(s)) {
  NetSpec spec;
  spec.arch = "cnn-rnn";
  spec.channels = conv_channels(settings_, "cnn-rnn");
  spec.rnn = settings_.get_choice("rnn", "lstm", "the recurrent layer reading the feature rows",
                                  {"lstm", "gru"});
  spec.rnn_hidden = settings_.get_int("rnn_hidden", 128, "units of the recurrent layer", 1, 65536);
  spec.bidirectional =
      settings_.get_bool("bidirectional", true, "read the rows top-down and bottom-up");
  spec.dropout = settings_.get_double("dropout", 0.25, "dropout before the dense layer", 0, 0.95);
  set_spec(spec);
  read_recipe(convnet_recipe());
}

ResNet::ResNet(Settings s) : NeuralClassifier(std::move(s)) {
  NetSpec spec;
  spec.arch = "resnet";
  spec.depth =
      settings_.get_int("depth", 20, "layers, 6n+2: 20 is ResNet-20, 56 ResNet-56", 8, 1000);
  spec.width = settings_.get_int(
      "width", 16, "channels of the first stage (the next two have 2x and 4x)", 1, 1024);
  spec.dropout = settings_.get_double("dropout", 0, "dropout before the dense layer", 0, 0.95);
  set_spec(spec);
  // 30 epochs ended at 94.35%, 40 at 94.60% (docs/DESIGN.md, "Measured").
  RecipeDefaults d = residual_recipe();
  d.epochs = 40;
  read_recipe(d);
}

MobileNetV2::MobileNetV2(Settings s) : NeuralClassifier(std::move(s)) {
  NetSpec spec;
  spec.arch = "mobilenetv2";
  // A quarter of ImageNet's widths with a 320-channel head: 28x28 images need
  // far less than ImageNet's 1.0 (2.2M parameters, 114 images/s on 2 cores),
  // and 20 epochs of this one reach 93.2-93.6% (docs/DESIGN.md, "mobilenetv2
  // from scratch").
  spec.width_mult = settings_.get_double(
      "width", 0.25, "width multiplier of every layer's channels (1: ImageNet's MobileNetV2)", 0.1,
      4);
  spec.head = settings_.get_int(
      "head", 320, "channels of the last 1x1 conv before pooling (grows with width > 1)", 8, 65536);
  spec.stem_stride = settings_.get_int(
      "stem_stride", 1,
      "stride of the first conv: 2 halves the image before the blocks (28 -> 14 -> 7 -> 4; "
      "about 3x cheaper)",
      1, 2);
  spec.dropout = settings_.get_double("dropout", 0, "dropout before the dense layer", 0, 0.95);
  spec.zero_gamma = settings_.get_bool(
      "zero_gamma", true,
      "start each residual block's last batch-norm scale at 0, so the block starts as the "
      "identity");
  set_spec(spec);
  // AdamW at 1e-2 with label smoothing, shifts and flips, no erasing: the
  // quick bench's recipe (docs/DESIGN.md), run for 20 epochs.
  RecipeDefaults d = residual_recipe();
  d.epochs = 20;
  d.optimizer = "adamw";
  d.lr = 0.01;
  d.label_smoothing = 0.1;
  d.augment.erase = 0;
  read_recipe(d);
}

Vit::Vit(Settings s) : NeuralClassifier(std::move(s)) {
  // A narrow vit (dim 64, 6 blocks, 0.2M parameters) for 40 epochs without
  // dropout or erasing: 92.26% and 91.54% from scratch (seeds 0 and 1) in
  // 78-81 minutes at one thread. 25 epochs gave 91.11% and 90.75%: the net
  // underfits, so it needs the epochs more than regularisation; DeiT's recipe
  // in miniature (dim 128, dropout 0.1, erasing) would take about 5 hours
  // here (docs/DESIGN.md, "vit from scratch").
  NetSpec spec;
  spec.arch = "vit";
  spec.patch =
      settings_.get_int("patch", 4, "side of the square patches (tokens: 28/4 = 7x7)", 1, 64);
  spec.dim = settings_.get_int("dim", 64, "width of the tokens", 8, 4096);
  spec.heads = settings_.get_int("heads", 4, "attention heads (must divide dim)", 1, 64);
  spec.blocks = settings_.get_int("blocks", 6, "transformer blocks", 1, 64);
  spec.mlp_dim = settings_.get_int("mlp", 128, "hidden width of each block's MLP", 1, 65536);
  spec.dropout = settings_.get_double("dropout", 0, "dropout in attention and MLPs", 0, 0.95);
  set_spec(spec);
  RecipeDefaults d;
  d.epochs = 40;
  d.batch = 128;
  d.optimizer = "adamw";
  d.lr = 2e-3;
  d.weight_decay = 0.05;
  d.schedule = "onecycle";
  d.label_smoothing = 0.1;
  d.augment.flip = true;
  d.augment.translate = 2;
  d.augment.erase = 0;
  read_recipe(d);
}

}  // namespace fmnist::nn
