#include "models/trees/tree_settings.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"

namespace fmnist::trees {
namespace {

// "sqrt" (one of `words`), "30" (a count) or "0.3" (a fraction: has a dot).
struct Amount {
  std::string word;
  long long count = 0;
  double fraction = 0;
};

Amount parse_amount(const std::string& model, const std::string& key, const std::string& value,
                    const std::vector<std::string>& words) {
  Amount a;
  for (const auto& w : words) {
    if (value == w) {
      a.word = w;
      return a;
    }
  }
  const char* first = value.data();
  const char* last = first + value.size();
  auto bad = [&]() {
    fail(
        "{}: setting {}={} is invalid: expected {}, a whole number of at least 1, or a "
        "fraction in (0, 1] such as 0.5",
        model, key, value, fmt::join(words, ", "));
  };
  if (value.find('.') != std::string::npos) {
    auto [p, ec] = std::from_chars(first, last, a.fraction);
    if (ec != std::errc() || p != last || !(a.fraction > 0 && a.fraction <= 1)) bad();
    return a;
  }
  auto [p, ec] = std::from_chars(first, last, a.count);
  if (ec != std::errc() || p != last || a.count < 1) bad();
  return a;
}

}  // namespace

void check_count_or_fraction(const std::string& model, const std::string& key,
                             const std::string& value, const std::vector<std::string>& words) {
  parse_amount(model, key, value, words);
}

TreeSettings declare_tree_settings(Settings& s, int default_min_samples_leaf,
                                   const std::string& default_max_features) {
  TreeSettings t;
  const std::string crit =
      s.get_choice("criterion", "gini", "impurity a split minimises", {"gini", "entropy"});
  t.params.criterion = crit == "gini" ? Criterion::gini : Criterion::entropy;
  t.params.max_depth =
      s.get_int("max_depth", 0, "deepest level a node may be split at (0: no limit)", 0, 100000);
  t.params.min_samples_split =
      s.get_int("min_samples_split", 2, "fewest samples a node needs to be split", 2,
                std::numeric_limits<int>::max());
  t.params.min_samples_leaf =
      s.get_int("min_samples_leaf", default_min_samples_leaf, "fewest samples in each child", 1,
                std::numeric_limits<int>::max());
  t.max_features =
      s.get_string("max_features", default_max_features,
                   "features tried per node: all, sqrt, log2, a count, or a fraction such as 0.3");
  check_count_or_fraction(s.model(), "max_features", t.max_features, {"all", "sqrt", "log2"});
  t.params.max_leaf_nodes =
      s.get_int("max_leaf_nodes", 0, "most leaves, grown best-first (0: no limit, depth-first)", 0,
                std::numeric_limits<int>::max());
  if (t.params.max_leaf_nodes == 1) {
    fail("{}: setting max_leaf_nodes=1 is invalid: expected 0 (no limit) or at least 2", s.model());
  }
  return t;
}

int resolve_max_features(const std::string& spec, size_t dim, const std::string& model) {
  const Amount a = parse_amount(model, "max_features", spec, {"all", "sqrt", "log2"});
  const double d = static_cast<double>(dim);
  // scikit-learn's rounding: down, but at least one.
  if (a.word == "all") return static_cast<int>(dim);
  if (a.word == "sqrt") return std::max(1, static_cast<int>(std::sqrt(d)));
  if (a.word == "log2") return std::max(1, static_cast<int>(std::log2(d)));
  if (a.fraction > 0) return std::max(1, static_cast<int>(a.fraction * d));
  if (a.count > static_cast<long long>(dim)) {
    fail("{}: setting max_features={} is invalid: images have only {} pixels", model, spec, dim);
  }
  return static_cast<int>(a.count);
}

size_t resolve_max_samples(const std::string& spec, size_t n, const std::string& model) {
  const Amount a = parse_amount(model, "max_samples", spec, {"all"});
  if (a.word == "all") return n;
  if (a.fraction > 0) return std::max<size_t>(1, static_cast<size_t>(std::llround(a.fraction * n)));
  if (a.count > static_cast<long long>(n)) {
    fail("{}: setting max_samples={} is invalid: the training set has only {} images", model, spec,
         n);
  }
  return static_cast<size_t>(a.count);
}

}  // namespace fmnist::trees
