// fmnist models: every model with its settings, defaults and meaning.
#include <fmt/format.h>

#include "cli/common.hpp"
#include "models/registry.hpp"

namespace fmnist::cli {

void add_models_command(CLI::App& app, Globals& g, Action& action) {
  auto* cmd = app.add_subcommand("models", "List the models, their settings and defaults");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Print JSON");
  cmd->footer("Examples:\n  fmnist models\n  fmnist train --model \"forest:trees=200,max_depth=20\" --out models/forest");
  cmd->callback([json, &action] {
    action = [json] {
      nlohmann::json all = nlohmann::json::array();
      for (const auto& e : model_registry()) {
        // Built with defaults, a model declares every setting it reads.
        auto model = e.make(Settings(e.name, {}));
        nlohmann::json m = {{"name", e.name}, {"family", e.family}, {"description", e.description}};
        m["settings"] = nlohmann::json::array();
        for (const auto& d : model->settings().declared())
          m["settings"].push_back({{"name", d.name}, {"default", d.default_value}, {"help", d.help}});
        all.push_back(m);
      }
      if (*json) {
        fmt::print("{}\n", all.dump(2));
        return 0;
      }
      for (const auto& m : all) {
        fmt::print("{:<14} {:<9}  {}\n", m["name"].get<std::string>(), m["family"].get<std::string>(),
                   m["description"].get<std::string>());
        for (const auto& s : m["settings"]) {
          fmt::print("    {:<20} = {:<10} {}\n", s["name"].get<std::string>(),
                     s["default"].get<std::string>(), s["help"].get<std::string>());
        }
      }
      fmt::print("\nSettings go in the spec: --model \"NAME:key=value,key=value\".\n");
      return 0;
    };
  });
}

}  // namespace fmnist::cli
