// cnn-rnn: the cnn's conv blocks read the image; their output rows, top to
// bottom, are a sequence (each row: channels x columns features) for an LSTM
// or GRU, whose final states classify.
#include "models/classifier.hpp"
#include "models/nn/arch/arch.hpp"

namespace fmnist::nn::arch {
namespace tnn = torch::nn;
namespace {

struct RowRnnImpl : tnn::Module {
  RowRnnImpl(const NetSpec& s, Shape in)
      : gru(s.rnn == "gru"), bidirectional(s.bidirectional), shape(in) {
    const int features = in.channels * in.cols;
    if (gru) {
      g = register_module("rnn", tnn::GRU(tnn::GRUOptions(features, s.rnn_hidden)
                                              .batch_first(true)
                                              .bidirectional(s.bidirectional)));
    } else {
      l = register_module("rnn", tnn::LSTM(tnn::LSTMOptions(features, s.rnn_hidden)
                                               .batch_first(true)
                                               .bidirectional(s.bidirectional)));
    }
  }

  // N x C x H x W -> N x (directions * hidden): the last state of each direction.
  torch::Tensor forward(torch::Tensor x) {
    const int64_t n = x.size(0);
    x = x.permute({0, 2, 1, 3}).reshape({n, shape.rows, shape.channels * shape.cols});
    torch::Tensor h;
    if (gru) {
      h = std::get<1>(g->forward(x));
    } else {
      h = std::get<0>(std::get<1>(l->forward(x)));
    }
    // h: directions x N x hidden -> N x (directions * hidden).
    return h.permute({1, 0, 2}).reshape({n, -1});
  }

  bool gru, bidirectional;
  Shape shape;
  tnn::LSTM l{nullptr};
  tnn::GRU g{nullptr};
};
TORCH_MODULE(RowRnn);

}  // namespace

void build_cnn_rnn(tnn::Sequential& seq, const NetSpec& s, int rows, int cols) {
  const Shape out = add_conv_blocks(seq, s, rows, cols);
  seq->push_back(RowRnn(s, out));
  if (s.dropout > 0) seq->push_back(FastDropout(s.dropout));
  seq->push_back(tnn::Linear(s.rnn_hidden * (s.bidirectional ? 2 : 1), kNumClasses));
}

}  // namespace fmnist::nn::arch
