#pragma once
// Model settings from a spec string, "forest:trees=200,max_depth=20".
//
// A model declares each setting where it reads it (name, default, meaning,
// valid range), much as XGBoost's parameter structs do. The declarations
// double as documentation: `fmnist models` builds each model with defaults
// and lists what it declared. After construction, check_all_used() turns any
// key nobody read into an error that lists the known ones.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fmnist {

struct ModelSpec {
  std::string name;
  std::map<std::string, std::string> values;
  // "name:key=value,key=value"; whitespace around tokens is ignored.
  static ModelSpec parse(const std::string& text);
  std::string str() const;
};

class Settings {
 public:
  struct Declared {
    std::string name, default_value, value, help;
  };

  Settings() = default;
  Settings(std::string model, std::map<std::string, std::string> values)
      : model_(std::move(model)), values_(std::move(values)) {}

  int get_int(const std::string& key, int def, const std::string& help, int lo, int hi);
  double get_double(const std::string& key, double def, const std::string& help, double lo,
                    double hi);
  bool get_bool(const std::string& key, bool def, const std::string& help);
  // One of `choices`.
  std::string get_choice(const std::string& key, const std::string& def, const std::string& help,
                         const std::vector<std::string>& choices);
  // A free string (e.g. a list of layer widths "400-100"); `check` validates.
  std::string get_string(const std::string& key, const std::string& def, const std::string& help);

  // Fails on keys no get_* asked for, naming the known ones.
  void check_all_used() const;
  const std::vector<Declared>& declared() const { return declared_; }
  // Effective values of every declared setting: what model.json records.
  nlohmann::json to_json() const;
  // "name:k=v,..." with every effective value, so a saved model's spec
  // rebuilds it exactly even if defaults change later.
  std::string canonical_spec() const;
  const std::string& model() const { return model_; }

 private:
  std::optional<std::string> take(const std::string& key, const std::string& def,
                                  const std::string& help);
  [[noreturn]] void bad_value(const std::string& key, const std::string& value,
                              const std::string& expected) const;
  std::string model_;
  std::map<std::string, std::string> values_;
  std::vector<Declared> declared_;
};

}  // namespace fmnist
