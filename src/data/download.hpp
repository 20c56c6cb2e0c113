#pragma once
// `fmnist data download`: fetches the four IDX .gz files of Fashion-MNIST,
// MNIST or KMNIST over HTTP(S). Each file is written to NAME.part (resumed
// with a Range request when one is left from an interrupted run), checked
// against its published checksum, and only then renamed to NAME, so a
// complete-looking name always holds verified bytes. The four files are then
// loaded as IDX as a last check.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/hash.hpp"

namespace fmnist {

struct Checksum {
  HashAlgo algo = HashAlgo::md5;
  std::string hex;  // lower-case
};

// One file of a data set and the sums it must have (all of them must match).
struct RemoteFile {
  std::string name;
  std::vector<Checksum> sums;
};

struct DatasetManifest {
  std::string name;               // the --dataset value: "fashion", "mnist", "kmnist"
  std::string title;              // "Fashion-MNIST", for messages
  std::string base_url;           // the published mirror, ending in '/'
  std::string default_dir;        // --to when not given
  std::vector<RemoteFile> files;  // train images, train labels, t10k images, t10k labels
};

const std::vector<DatasetManifest>& dataset_manifests();
// The manifest for a --dataset value; fails listing the known names.
const DatasetManifest& dataset_manifest(std::string_view name);

// Checks a --mirror URL (http or https) and makes it end in '/'.
std::string normalize_base_url(std::string url);

// Sums in md5sum / sha256sum format, one "<hex>  <name>" a line ("*<name>"
// for binary mode; blank lines and '#' comments skipped). 32 hex digits are
// an MD5, 64 a SHA-256. Keys are base names, so "fashion/x.gz" names x.gz.
// `origin` names the text in error messages.
using ChecksumTable = std::map<std::string, std::vector<Checksum>>;
ChecksumTable parse_checksums(std::string_view text, const std::string& origin);
ChecksumTable read_checksums_file(const std::filesystem::path& path);

// Compares a file's sums with `expected`: empty if all match, else
// "expected md5 X, got Y" for the first that does not.
std::string checksum_mismatch(const std::filesystem::path& file,
                              const std::vector<Checksum>& expected);

// Limits that keep a dead server or a stalled connection from hanging the
// download forever; there is no limit on the total time, as a slow but
// steady link is fine.
struct HttpOptions {
  long connect_timeout_s = 30;
  long low_speed_bytes_per_s = 1000;  // abort when slower than this...
  long low_speed_time_s = 60;         // ...for this many seconds in a row
  long max_redirects = 5;
};

enum class FetchOutcome { downloaded, resumed, already_present };
std::string_view outcome_name(FetchOutcome outcome);

// Makes `dest` a verified copy of `url`: kept if already there with the right
// sums (unless `force`), else fetched into dest + ".part" (resumed if that
// exists, unless `force`), verified, and renamed over `dest`. On a checksum
// mismatch the .part is deleted; on a broken transfer it is kept for the next
// run to resume. Fails with fmnist::Error naming the URL or file.
FetchOutcome fetch_verified(const std::string& url, const std::filesystem::path& dest,
                            const std::vector<Checksum>& expected, bool force,
                            const HttpOptions& http = {});

struct DownloadOptions {
  std::string dataset = "fashion";
  std::filesystem::path to;         // empty: the manifest's default_dir
  std::string mirror;               // empty: the manifest's base_url
  std::filesystem::path checksums;  // empty: the built-in sums
  bool force = false;
  HttpOptions http;
};

struct DownloadReport {
  std::string title;
  std::filesystem::path dir;
  std::string base_url;
  std::vector<std::pair<std::string, FetchOutcome>> files;
  size_t train_images = 0, test_images = 0;
};

// Fetches and verifies the four files of a data set, then loads them.
DownloadReport download_dataset(const DownloadOptions& opts);

}  // namespace fmnist
