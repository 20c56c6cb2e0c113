#include "data/download.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <mutex>
#include <optional>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "core/progress.hpp"
#include "core/version.hpp"
#include "data/idx.hpp"

namespace fmnist {
namespace fs = std::filesystem;

// ---- the published data sets ----

namespace {
RemoteFile md5_file(std::string name, std::string md5) {
  return {std::move(name), {Checksum{HashAlgo::md5, std::move(md5)}}};
}
}  // namespace

const std::vector<DatasetManifest>& dataset_manifests() {
  // Base URLs and MD5 sums as published in torchvision/datasets/mnist.py
  // (pytorch/vision: the `mirrors` and `resources` of the MNIST, FashionMNIST
  // and KMNIST classes). The Fashion-MNIST sums are also those of Zalando's
  // README (zalandoresearch/fashion-mnist). None of the three publishes
  // SHA-256 sums. For MNIST we use torchvision's second mirror: the first,
  // yann.lecun.com, has long refused or throttled downloads.
  static const std::vector<DatasetManifest> manifests = {
      {"fashion",
       "Fashion-MNIST",
       "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
       "data/fashion-mnist",
       {md5_file("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        md5_file("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        md5_file("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        md5_file("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")}},
      {"mnist",
       "MNIST",
       "https://ossci-datasets.s3.amazonaws.com/mnist/",
       "data/mnist",
       {md5_file("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        md5_file("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        md5_file("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        md5_file("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")}},
      {"kmnist",
       "Kuzushiji-MNIST",
       "http://codh.rois.ac.jp/kmnist/dataset/kmnist/",
       "data/kmnist",
       {md5_file("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        md5_file("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        md5_file("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        md5_file("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134")}},
  };
  return manifests;
}

const DatasetManifest& dataset_manifest(std::string_view name) {
  std::string known;
  for (const auto& m : dataset_manifests()) {
    if (m.name == name) return m;
    known += (known.empty() ? "" : ", ") + m.name;
  }
  fail("unknown data set '{}' (known: {})", name, known);
}

namespace {
bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}
}  // namespace

std::string normalize_base_url(std::string url) {
  if (!starts_with_nocase(url, "http://") && !starts_with_nocase(url, "https://"))
    fail("mirror '{}': expected an http:// or https:// URL", url);
  if (url.back() != '/') url += '/';
  return url;
}

// ---- checksum files ----

namespace {
bool all_hex(std::string_view s) {
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// One "<hex>  <name>" line; fails naming origin:line_no if malformed.
std::pair<std::string, Checksum> parse_checksum_line(std::string_view line,
                                                     const std::string& origin, size_t line_no) {
  const size_t gap = line.find_first_of(" \t");
  const std::string_view hex = line.substr(0, gap);
  std::string_view name = gap == std::string_view::npos ? "" : trim(line.substr(gap));
  // md5sum writes "*name" for files hashed in binary mode.
  if (!name.empty() && name.front() == '*') name.remove_prefix(1);
  const bool sized = hex.size() == 32 || hex.size() == 64;
  if (!sized || !all_hex(hex) || name.empty()) {
    fail("{}:{}: expected '<md5 or sha256 in hex>  <file name>', got '{}'", origin, line_no, line);
  }
  const HashAlgo algo = hex.size() == 32 ? HashAlgo::md5 : HashAlgo::sha256;
  return {fs::path(name).filename().string(), Checksum{algo, lower(hex)}};
}
}  // namespace

ChecksumTable parse_checksums(std::string_view text, const std::string& origin) {
  ChecksumTable table;
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    const std::string_view line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    auto [name, sum] = parse_checksum_line(line, origin, line_no);
    auto& sums = table[name];
    for (const auto& other : sums) {
      if (other.algo == sum.algo && other.hex != sum.hex) {
        fail("{}:{}: a second, different {} for {}", origin, line_no, hash_name(sum.algo), name);
      }
    }
    sums.push_back(std::move(sum));
  }
  return table;
}

ChecksumTable read_checksums_file(const fs::path& path) {
  const auto bytes = read_file(path);
  ChecksumTable table = parse_checksums(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path.string());
  if (table.empty()) fail("{}: no checksums in the file", path.string());
  return table;
}

std::string checksum_mismatch(const fs::path& file, const std::vector<Checksum>& expected) {
  for (const auto& want : expected) {
    const std::string got = file_digest_hex(file, want.algo);
    if (got != want.hex) {
      return fmt::format("expected {} {}, got {}", hash_name(want.algo), want.hex, got);
    }
  }
  return "";
}

std::string_view outcome_name(FetchOutcome outcome) {
  switch (outcome) {
    case FetchOutcome::downloaded:
      return "downloaded";
    case FetchOutcome::resumed:
      return "resumed";
    case FetchOutcome::already_present:
      return "already present";
  }
  return "?";
}

// ---- one HTTP transfer into a .part file ----

namespace {

// The .part file, locked so that two runs never write into the same one.
class PartFile {
 public:
  explicit PartFile(fs::path path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) fail("{}: cannot open for writing: {}", path_.string(), std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      ::close(fd_);
      if (err == EWOULDBLOCK) fail("{}: another download is writing this file", path_.string());
      fail("{}: cannot lock: {}", path_.string(), std::strerror(err));
    }
  }
  ~PartFile() { ::close(fd_); }
  PartFile(const PartFile&) = delete;
  PartFile& operator=(const PartFile&) = delete;

  const fs::path& path() const { return path_; }

  uint64_t size() const {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) fail("{}: cannot stat: {}", path_.string(), std::strerror(errno));
    return static_cast<uint64_t>(st.st_size);
  }

  // Drops the content and makes the next write go to byte `offset`.
  void truncate_to(uint64_t offset) {
    if (::ftruncate(fd_, static_cast<off_t>(offset)) != 0)
      fail("{}: cannot truncate: {}", path_.string(), std::strerror(errno));
    if (::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0)
      fail("{}: cannot seek: {}", path_.string(), std::strerror(errno));
  }

  void write_all(const char* data, size_t size) {
    while (size > 0) {
      const ssize_t put = ::write(fd_, data, size);
      if (put < 0) {
        if (errno == EINTR) continue;
        fail("{}: write failed: {}", path_.string(), std::strerror(errno));
      }
      data += put;
      size -= static_cast<size_t>(put);
    }
  }

  // Makes the bytes durable before the rename publishes them.
  void sync() {
    if (::fsync(fd_) != 0) fail("{}: fsync failed: {}", path_.string(), std::strerror(errno));
  }

 private:
  fs::path path_;
  int fd_ = -1;
};

// curl_global_init is not thread-safe: do it once, before the first handle.
void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) fail("cannot initialise libcurl");
  });
}

class CurlEasy {
 public:
  CurlEasy() {
    init_curl_once();
    handle_ = curl_easy_init();
    if (!handle_) fail("cannot start a libcurl transfer");
  }
  ~CurlEasy() { curl_easy_cleanup(handle_); }
  CurlEasy(const CurlEasy&) = delete;
  CurlEasy& operator=(const CurlEasy&) = delete;
  CURL* get() const { return handle_; }

  template <typename T>
  void set(CURLoption option, T value) {
    if (curl_easy_setopt(handle_, option, value) != CURLE_OK)
      fail("libcurl does not support option {}", static_cast<int>(option));
  }

 private:
  CURL* handle_ = nullptr;
};

// What the callbacks share while curl runs. They cannot throw through C
// code, so they park the first error in `error` and stop the transfer.
struct Transfer {
  std::string url, name;
  PartFile* part = nullptr;
  CURL* curl = nullptr;
  uint64_t resume_from = 0;  // bytes already in .part when we asked

  // Headers of the latest response (a redirect starts a new one).
  std::string status_line;
  std::optional<uint64_t> range_start;  // from Content-Range

  bool body_started = false;
  bool kept_prefix = false;  // the server resumed: .part's first bytes stay
  uint64_t offset = 0;       // where the body's first byte lands in .part
  uint64_t received = 0;     // body bytes written by this transfer
  curl_off_t content_length = -1;
  std::optional<Progress> progress;
  std::string error;
};

// "bytes 100-999/1000" -> 100.
std::optional<uint64_t> parse_content_range_start(std::string_view value) {
  value = trim(value);
  if (!starts_with_nocase(value, "bytes ")) return std::nullopt;
  value = trim(value.substr(6));
  uint64_t start = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), start);
  if (ec != std::errc() || end == value.data() + value.size() || *end != '-') return std::nullopt;
  return start;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const std::string_view line(data, size * count);
  if (starts_with_nocase(line, "HTTP/")) {
    t.status_line = std::string(trim(line));
    t.range_start.reset();
  } else if (starts_with_nocase(line, "content-range:")) {
    t.range_start = parse_content_range_start(line.substr(14));
  }
  return size * count;
}

// The first body bytes of the final response: decides where they go. A 206
// continues the .part; anything else is the whole file from byte 0, as a
// server that ignores Range answers 200 with everything.
void begin_body(Transfer& t) {
  long code = 0;
  curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &code);
  // FAILONERROR lets some error codes through (401 and 407, say).
  if (code >= 300) fail("{}: HTTP {}", t.url, code);
  if (code == 206) {
    // Appending any other range than the one asked for would corrupt the file.
    if (t.resume_from == 0 || t.range_start != t.resume_from) {
      fail(
          "{}: asked for bytes from {} but the server sent a range from {}; delete {} or use "
          "--force",
          t.url, t.resume_from, t.range_start ? std::to_string(*t.range_start) : "?",
          t.part->path().string());
    }
    t.offset = t.resume_from;
    t.kept_prefix = true;
  } else if (t.resume_from > 0) {
    log::info("{}: the server does not resume downloads (HTTP {}); starting again from byte 0",
              t.name, code);
  }
  t.part->truncate_to(t.offset);
  curl_easy_getinfo(t.curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &t.content_length);
  const uint64_t total = t.content_length >= 0 ? t.offset + t.content_length : 0;
  t.progress.emplace(t.name, total, "B");
  t.progress->update(t.offset);
  t.body_started = true;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  try {
    if (!t.body_started) begin_body(t);
    t.part->write_all(data, bytes);
    t.received += bytes;
    t.progress->update(t.offset + t.received);
    return bytes;
  } catch (const std::exception& e) {
    t.error = e.what();
    return 0;  // anything short of `bytes` makes curl stop with CURLE_WRITE_ERROR
  }
}

void configure(CurlEasy& curl, Transfer& t, const HttpOptions& http, char* error_buffer) {
  curl.set(CURLOPT_URL, t.url.c_str());
  curl.set(CURLOPT_ERRORBUFFER, error_buffer);
  curl.set(CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM, safe in threads
  curl.set(CURLOPT_FAILONERROR, 1L);
  curl.set(CURLOPT_FOLLOWLOCATION, 1L);
  curl.set(CURLOPT_MAXREDIRS, http.max_redirects);
  // A mirror may redirect, but never to file:// or other schemes.
  curl.set(CURLOPT_PROTOCOLS_STR, "http,https");
  curl.set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl.set(CURLOPT_CONNECTTIMEOUT, http.connect_timeout_s);
  curl.set(CURLOPT_LOW_SPEED_LIMIT, http.low_speed_bytes_per_s);
  curl.set(CURLOPT_LOW_SPEED_TIME, http.low_speed_time_s);
  static const std::string user_agent = "fmnist/" + version();
  curl.set(CURLOPT_USERAGENT, user_agent.c_str());
  curl.set(CURLOPT_HEADERFUNCTION, on_header);
  curl.set(CURLOPT_HEADERDATA, &t);
  curl.set(CURLOPT_WRITEFUNCTION, on_body);
  curl.set(CURLOPT_WRITEDATA, &t);
}

// "HTTP/1.1 404 Not Found" -> "404 Not Found".
std::string status_text(const Transfer& t, long code) {
  const size_t space = t.status_line.find(' ');
  if (space == std::string::npos) return std::to_string(code);
  return t.status_line.substr(space + 1);
}

// Explains a failed transfer. The .part is kept (when it holds anything) so
// the next run resumes where this one stopped.
[[noreturn]] void fail_transfer(const Transfer& t, CURLcode rc, long code,
                                const char* error_buffer) {
  if (rc == CURLE_HTTP_RETURNED_ERROR) fail("{}: HTTP {}", t.url, status_text(t, code));
  if (rc == CURLE_WRITE_ERROR && !t.error.empty()) fail("{}", t.error);
  const uint64_t kept = t.part->size();
  const std::string resume_note =
      kept > 0 ? fmt::format("; kept {} ({} bytes) to resume on the next run",
                             t.part->path().string(), kept)
               : "";
  if (rc == CURLE_PARTIAL_FILE) {
    fail("{}: connection closed after {} of {} bytes{}", t.url, t.received,
         t.content_length >= 0 ? std::to_string(t.content_length) : "?", resume_note);
  }
  const std::string detail = error_buffer[0] ? error_buffer : curl_easy_strerror(rc);
  fail("{}: {}{}", t.url, detail, resume_note);
}

// Fetches `url` into `part`, asking for the bytes after those it already
// holds. Returns whether those bytes were kept (the server resumed).
bool transfer(const std::string& url, const std::string& name, PartFile& part,
              const HttpOptions& http) {
  Transfer t;
  t.url = url;
  t.name = name;
  t.part = &part;
  t.resume_from = part.size();
  CurlEasy curl;
  t.curl = curl.get();
  char error_buffer[CURL_ERROR_SIZE] = "";
  configure(curl, t, http, error_buffer);
  // Range rather than CURLOPT_RESUME_FROM: curl refuses a 200 answer to the
  // latter, and we want to handle that by starting again.
  const std::string range = fmt::format("{}-", t.resume_from);
  if (t.resume_from > 0) curl.set(CURLOPT_RANGE, range.c_str());

  const CURLcode rc = curl_easy_perform(curl.get());
  long code = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &code);
  if (t.progress) t.progress->finish(rc == CURLE_OK ? "" : "interrupted");
  if (rc == CURLE_OK) {
    if (!t.body_started) begin_body(t);  // an empty body still decides 200 vs 206
    part.sync();
    return t.kept_prefix;
  }
  // 416 to "bytes=N-": the .part already holds the whole file (a run that
  // stopped between the last byte and the rename). Verification decides.
  if (rc == CURLE_HTTP_RETURNED_ERROR && code == 416 && t.resume_from > 0) {
    log::debug("{}: the server says {} is complete", name, part.path().string());
    return true;
  }
  fail_transfer(t, rc, code, error_buffer);
}

void ensure_directory(const fs::path& dir) {
  if (dir.empty()) return;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail("{}: cannot create directory: {}", dir.string(), ec.message());
}

}  // namespace

FetchOutcome fetch_verified(const std::string& url, const fs::path& dest,
                            const std::vector<Checksum>& expected, bool force,
                            const HttpOptions& http) {
  const std::string name = dest.filename().string();
  if (expected.empty()) fail("{}: no checksum to verify it with", dest.string());
  std::error_code ec;
  if (!force && fs::exists(dest, ec)) {
    const std::string bad = checksum_mismatch(dest, expected);
    if (bad.empty()) {
      log::info("{}: already present, checksum ok", name);
      return FetchOutcome::already_present;
    }
    log::warn("{}: already present but {}; downloading it again", dest.string(), bad);
  }

  ensure_directory(dest.parent_path());
  const fs::path part_path = dest.string() + ".part";
  PartFile part(part_path);
  if (force) part.truncate_to(0);
  if (const uint64_t have = part.size(); have > 0) {
    log::info("{}: resuming {} after {} bytes", name, url, have);
  } else {
    log::info("{}: downloading {}", name, url);
  }

  bool resumed = false;
  try {
    resumed = transfer(url, name, part, http);
  } catch (const Error&) {
    // An empty .part is litter (we created it); a non-empty one is a resume point.
    if (part.size() == 0) fs::remove(part_path, ec);
    throw;
  }

  if (const std::string bad = checksum_mismatch(part_path, expected); !bad.empty()) {
    fs::remove(part_path, ec);
    fail(
        "{}: checksum mismatch: {} (downloaded from {}); deleted {}. If the mirror serves "
        "recompressed files, give their sums with --checksums FILE",
        name, bad, url, part_path.string());
  }
  fs::rename(part_path, dest, ec);
  if (ec) fail("{}: cannot rename to {}: {}", part_path.string(), dest.string(), ec.message());
  std::string checked;
  for (const auto& sum : expected)
    checked += (checked.empty() ? "" : " and ") + std::string(hash_name(sum.algo));
  log::info("{}: {} ok", name, checked);
  return resumed ? FetchOutcome::resumed : FetchOutcome::downloaded;
}

// ---- the whole data set ----

namespace {

// --checksums replaces the built-in sums of the files it names. A file that
// names none of them is surely the wrong file, so that is an error.
std::vector<RemoteFile> with_checksums(std::vector<RemoteFile> files, const fs::path& path,
                                       const std::string& title) {
  const ChecksumTable table = read_checksums_file(path);
  size_t replaced = 0;
  std::string names;
  for (auto& f : files) {
    names += (names.empty() ? "" : ", ") + f.name;
    if (auto it = table.find(f.name); it != table.end()) {
      f.sums = it->second;
      ++replaced;
    }
  }
  if (replaced == 0) fail("{}: lists none of the {} files ({})", path.string(), title, names);
  if (replaced < files.size()) {
    log::info("{}: sums for {} of {} files; the others use the built-in sums", path.string(),
              replaced, files.size());
  }
  return files;
}

// The checksums say the bytes are the ones expected; loading says they are
// what we expect them to be (a private mirror with its own sums may not be).
void check_loads(const fs::path& dir, const std::vector<RemoteFile>& files,
                 DownloadReport& report) {
  try {
    report.train_images = load_idx(dir / files[0].name, dir / files[1].name).size();
    report.test_images = load_idx(dir / files[2].name, dir / files[3].name).size();
  } catch (const Error& e) {
    fail("{}: the downloaded files match their checksums but do not load: {}", dir.string(),
         e.what());
  }
}

}  // namespace

DownloadReport download_dataset(const DownloadOptions& opts) {
  const DatasetManifest& m = dataset_manifest(opts.dataset);
  DownloadReport report;
  report.title = m.title;
  report.base_url = opts.mirror.empty() ? m.base_url : normalize_base_url(opts.mirror);
  report.dir = opts.to.empty() ? fs::path(m.default_dir) : opts.to;
  const std::vector<RemoteFile> files =
      opts.checksums.empty() ? m.files : with_checksums(m.files, opts.checksums, m.title);

  ensure_directory(report.dir);
  for (const auto& f : files) {
    const auto outcome = fetch_verified(report.base_url + f.name, report.dir / f.name, f.sums,
                                        opts.force, opts.http);
    report.files.emplace_back(f.name, outcome);
  }
  check_loads(report.dir, files, report);
  return report;
}

}  // namespace fmnist
