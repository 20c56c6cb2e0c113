#pragma once
// File helpers that fail with fmnist::Error naming the path, and writers that
// never leave a partial file under the final name (temp file + rename).
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace fmnist {

namespace fs = std::filesystem;

// Whole file; rejects directories, missing and unreadable files.
std::vector<uint8_t> read_file(const fs::path& path);
// Whole file, gunzipped when it starts with the gzip magic (any number of
// members); a truncated or corrupt stream is an error naming the file.
std::vector<uint8_t> read_maybe_gzip(const fs::path& path);
// Decompresses a gzip buffer; `name` is used in error messages.
std::vector<uint8_t> gunzip(const uint8_t* data, size_t size, const std::string& name);
bool is_gzip(const uint8_t* data, size_t size);

// Writes `bytes` to `path` atomically: a temp file beside it, then rename.
void write_file_atomic(const fs::path& path, std::string_view bytes);

// A temp path beside `final`, removed on destruction unless commit() renamed
// it into place. Works for files and for directories (a saved model is one).
class AtomicPath {
 public:
  explicit AtomicPath(fs::path final_path);
  ~AtomicPath();
  AtomicPath(const AtomicPath&) = delete;
  AtomicPath& operator=(const AtomicPath&) = delete;
  const fs::path& temp() const { return temp_; }
  const fs::path& final_path() const { return final_; }
  // Renames temp over the final path (replacing an existing directory).
  void commit();

 private:
  fs::path final_, temp_;
  bool committed_ = false;
};

}  // namespace fmnist

namespace fmnist {
// Gzip-compresses a buffer (level 6, like gzip's default).
std::vector<uint8_t> gzip_compress(std::string_view bytes, int level = 6);
}  // namespace fmnist
