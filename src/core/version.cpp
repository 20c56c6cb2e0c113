#include "core/version.hpp"

#include <curl/curl.h>
#include <libdeflate.h>
#include <zlib.h>

#include <xgboost/c_api.h>

#include <torch/version.h>  // macros only: cheap, unlike the rest of LibTorch

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/build_info.hpp"

extern "C" char* openblas_get_config(void);

namespace fmnist {

std::string version() { return FMNIST_VERSION; }

std::vector<std::pair<std::string, std::string>> library_versions() {
  std::vector<std::pair<std::string, std::string>> v;
  v.emplace_back("compiler", FMNIST_COMPILER);
  v.emplace_back("build", FMNIST_BUILD_TYPE);
  v.emplace_back("zlib", zlibVersion());
  v.emplace_back("libdeflate", LIBDEFLATE_VERSION_STRING);
  v.emplace_back("libcurl", curl_version_info(CURLVERSION_NOW)->version);
  v.emplace_back("OpenBLAS", openblas_get_config());
  v.emplace_back("fmt", fmt::format("{}.{}.{}", FMT_VERSION / 10000, FMT_VERSION / 100 % 100,
                                    FMT_VERSION % 100));
  v.emplace_back("nlohmann_json", fmt::format("{}.{}.{}", NLOHMANN_JSON_VERSION_MAJOR,
                                              NLOHMANN_JSON_VERSION_MINOR,
                                              NLOHMANN_JSON_VERSION_PATCH));
  v.emplace_back("LibTorch", TORCH_VERSION);
  int major = 0, minor = 0, patch = 0;
  XGBoostVersion(&major, &minor, &patch);
  v.emplace_back("XGBoost", fmt::format("{}.{}.{}", major, minor, patch));
  return v;
}

}  // namespace fmnist
