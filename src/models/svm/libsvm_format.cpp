#include "models/svm/libsvm_format.hpp"

#include <charconv>
#include <cmath>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/files.hpp"

namespace fmnist::svm {

namespace {
// LIBSVM's kernel_type names.
const char* libsvm_kernel_name(KernelType t) {
  return t == KernelType::poly ? "polynomial" : kernel_name(t);
}
}  // namespace

void write_libsvm_model(const OvoModel& m, const std::filesystem::path& path) {
  m.check();
  fmt::memory_buffer out;
  auto list = [&](const char* key, const auto& values) {
    fmt::format_to(std::back_inserter(out), "{}", key);
    for (const auto& v : values) fmt::format_to(std::back_inserter(out), " {}", v);
    fmt::format_to(std::back_inserter(out), "\n");
  };
  const Kernel& k = m.kernel;
  fmt::format_to(std::back_inserter(out), "svm_type c_svc\nkernel_type {}\n",
                 libsvm_kernel_name(k.type));
  if (k.type == KernelType::poly) fmt::format_to(std::back_inserter(out), "degree {}\n", k.degree);
  if (k.type != KernelType::linear) fmt::format_to(std::back_inserter(out), "gamma {}\n", k.gamma);
  if (k.type == KernelType::poly) fmt::format_to(std::back_inserter(out), "coef0 {}\n", k.coef0);
  fmt::format_to(std::back_inserter(out), "nr_class {}\ntotal_sv {}\n", m.num_classes(),
                 m.total_sv());
  list("rho", m.rho);
  list("label", m.labels);
  list("probA", m.prob_a);
  list("probB", m.prob_b);
  list("nr_sv", m.n_sv);
  fmt::format_to(std::back_inserter(out), "SV\n");
  const size_t l = m.total_sv(), rows = m.num_classes() - 1;
  for (size_t s = 0; s < l; ++s) {
    for (size_t r = 0; r < rows; ++r)
      fmt::format_to(std::back_inserter(out), "{} ", m.coef[r * l + s]);
    const uint8_t* v = m.sv.data() + s * m.dim;
    // Zeros are left out (the format is sparse).
    for (size_t d = 0; d < m.dim; ++d)
      if (v[d]) fmt::format_to(std::back_inserter(out), "{}:{} ", d + 1, v[d]);
    out.push_back('\n');
  }
  write_file_atomic(path, std::string_view(out.data(), out.size()));
}

namespace {

// A cursor over the file's text that fails naming the file and line.
class Reader {
 public:
  Reader(std::string_view text, std::string name) : text_(text), name_(std::move(name)) {}
  bool done() const { return pos_ >= text_.size(); }
  std::string_view line() {
    const size_t end = std::min(text_.find('\n', pos_), text_.size());
    std::string_view l = text_.substr(pos_, end - pos_);
    pos_ = end + 1;
    ++line_no_;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    return l;
  }
  [[noreturn]] void bad(const std::string& what) const { fail("{}:{}: {}", name_, line_no_, what); }
  template <typename T>
  T number(std::string_view token) const {
    T v{};
    auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
    if (ec != std::errc() || p != token.data() + token.size())
      bad(fmt::format("'{}' is not a number", token));
    return v;
  }

 private:
  std::string_view text_;
  std::string name_;
  size_t pos_ = 0, line_no_ = 0;
};

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    const size_t j = std::min(s.find(' ', i), s.size());
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

OvoModel read_libsvm_model(const std::filesystem::path& path, size_t dim) {
  const auto bytes = read_file(path);
  Reader in(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
            path.string());
  OvoModel m;
  m.dim = dim;
  size_t k = 0, total = 0;
  bool have_header_end = false;
  while (!in.done()) {
    const auto tok = split(in.line());
    if (tok.empty()) continue;
    const std::string_view key = tok[0];
    auto values = [&](size_t want) {
      if (tok.size() != want + 1)
        in.bad(fmt::format("'{}' needs {} values, has {}", key, want, tok.size() - 1));
      return std::vector<std::string_view>(tok.begin() + 1, tok.end());
    };
    if (key == "SV") {
      have_header_end = true;
      break;
    } else if (key == "svm_type") {
      if (values(1)[0] != "c_svc")
        in.bad(fmt::format("svm_type {} is not supported (c_svc only)", tok[1]));
    } else if (key == "kernel_type") {
      const std::string name(values(1)[0]);
      if (name != "rbf" && name != "linear" && name != "polynomial")
        in.bad(fmt::format("kernel_type {} is not supported (rbf, linear, polynomial)", name));
      m.kernel.type = kernel_type_from(name == "polynomial" ? "poly" : name);
    } else if (key == "degree") {
      m.kernel.degree = in.number<int>(values(1)[0]);
    } else if (key == "gamma") {
      m.kernel.gamma = in.number<double>(values(1)[0]);
    } else if (key == "coef0") {
      m.kernel.coef0 = in.number<double>(values(1)[0]);
    } else if (key == "nr_class") {
      k = in.number<size_t>(values(1)[0]);
      if (k < 2 || k > 10) in.bad(fmt::format("nr_class {} is not 2 to 10", k));
    } else if (key == "total_sv") {
      total = in.number<size_t>(values(1)[0]);
    } else if (key == "rho" || key == "probA" || key == "probB") {
      if (k == 0) in.bad(fmt::format("'{}' before nr_class", key));
      std::vector<double> v;
      for (auto t : values(k * (k - 1) / 2)) v.push_back(in.number<double>(t));
      (key == "rho" ? m.rho : key == "probA" ? m.prob_a : m.prob_b) = std::move(v);
    } else if (key == "label" || key == "nr_sv") {
      if (k == 0) in.bad(fmt::format("'{}' before nr_class", key));
      std::vector<int> v;
      for (auto t : values(k)) v.push_back(in.number<int>(t));
      (key == "label" ? m.labels : m.n_sv) = std::move(v);
    } else {
      in.bad(fmt::format("unknown header line '{}'", key));
    }
  }
  if (!have_header_end) fail("{}: no 'SV' line: not a LIBSVM model file", path.string());
  if (k == 0 || m.labels.empty() || m.n_sv.empty() || m.rho.empty())
    fail("{}: header lacks nr_class, label, nr_sv or rho", path.string());
  // Pairwise probabilities are optional in LIBSVM; ours always has them.
  if (m.prob_a.empty()) fail("{}: no probA/probB lines: not an fmnist model", path.string());
  m.sv.assign(total * dim, 0);
  m.coef.assign((k - 1) * total, 0.0);
  for (size_t s = 0; s < total; ++s) {
    if (in.done()) fail("{}: {} support vectors, expected total_sv {}", path.string(), s, total);
    const auto tok = split(in.line());
    if (tok.size() < k - 1) in.bad("fewer coefficients than nr_class - 1");
    for (size_t r = 0; r + 1 < k; ++r) m.coef[r * total + s] = in.number<double>(tok[r]);
    for (size_t t = k - 1; t < tok.size(); ++t) {
      const size_t colon = tok[t].find(':');
      if (colon == std::string_view::npos) in.bad(fmt::format("'{}' is not index:value", tok[t]));
      const auto index = in.number<size_t>(tok[t].substr(0, colon));
      const auto value = in.number<double>(tok[t].substr(colon + 1));
      if (index < 1 || index > dim)
        in.bad(fmt::format("feature index {} is not 1 to {}", index, dim));
      if (value < 0 || value > 255 || value != std::floor(value))
        in.bad(fmt::format("feature value {} is not a whole number 0-255", value));
      m.sv[s * dim + index - 1] = static_cast<uint8_t>(value);
    }
  }
  m.check();
  return m;
}

}  // namespace fmnist::svm
