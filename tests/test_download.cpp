// `fmnist data download` against a local HTTP server (cpp-httplib on
// 127.0.0.1, an ephemeral port) serving generated IDX files, and misbehaving
// on request: corrupt bytes, a connection closed early, 404, no Range support,
// a stalled transfer.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/hash.hpp"
#include "data/download.hpp"
#include "data/idx.hpp"
#include "support/fixtures.hpp"

namespace fmnist {
namespace {

using test::TempDir;
namespace fs = std::filesystem;

const char* const kTrainImages = "train-images-idx3-ubyte.gz";
const char* const kTrainLabels = "train-labels-idx1-ubyte.gz";
const char* const kTestImages = "t10k-images-idx3-ubyte.gz";
const char* const kTestLabels = "t10k-labels-idx1-ubyte.gz";

// Runs `fn`, expecting an fmnist::Error whose message contains every needle;
// returns the message.
template <typename Fn>
std::string expect_error(Fn fn, std::initializer_list<std::string> needles) {
  try {
    fn();
    ADD_FAILURE() << "expected an fmnist::Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    for (const auto& n : needles)
      EXPECT_NE(msg.find(n), std::string::npos) << "message '" << msg << "' lacks '" << n << "'";
    return msg;
  }
  return "";
}

// The four .gz files of a small generated data set, by name.
std::map<std::string, std::string> make_fixture_files() {
  TempDir dir;
  save_idx(test::make_dataset(300, 1), dir / kTrainImages, dir / kTrainLabels);
  save_idx(test::make_dataset(50, 2), dir / kTestImages, dir / kTestLabels);
  std::map<std::string, std::string> files;
  for (const char* name : {kTrainImages, kTrainLabels, kTestImages, kTestLabels}) {
    const auto bytes = read_file(dir / name);
    files[name] = std::string(bytes.begin(), bytes.end());
  }
  return files;
}

enum class Mode {
  normal,     // the file, with Range support
  corrupt,    // one byte flipped
  truncated,  // Content-Length of the whole file, connection closed after half
  missing,    // 404
  no_range,   // ignores Range: 200 and the whole file
  stall,      // 100 bytes, then nothing
};

// An HTTP server on 127.0.0.1 in a thread of its own, stopped on destruction.
class FixtureServer {
 public:
  explicit FixtureServer(std::map<std::string, std::string> files) : files_(std::move(files)) {
    server_.Get(R"(/([^/]+))",
                [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("cannot bind a port on 127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // The socket already listens; wait (bounded) for the accept loop anyway.
    for (int i = 0; i < 500 && !server_.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ~FixtureServer() {
    stopping_ = true;
    server_.stop();
    thread_.join();
  }
  FixtureServer(const FixtureServer&) = delete;
  FixtureServer& operator=(const FixtureServer&) = delete;

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  std::string url(const std::string& name) const { return base_url() + name; }

  void set_mode(const std::string& name, Mode mode) {
    std::lock_guard lock(mutex_);
    modes_[name] = mode;
  }
  int requests(const std::string& name) {
    std::lock_guard lock(mutex_);
    return requests_[name];
  }
  std::vector<std::string> range_headers(const std::string& name) {
    std::lock_guard lock(mutex_);
    return ranges_[name];
  }

 private:
  void handle(const httplib::Request& req, httplib::Response& res) {
    const std::string name = req.matches[1];
    Mode mode;
    std::string body;
    {
      std::lock_guard lock(mutex_);
      ++requests_[name];
      if (req.has_header("Range")) ranges_[name].push_back(req.get_header_value("Range"));
      auto it = files_.find(name);
      mode = it == files_.end() ? Mode::missing : modes_[name];
      if (it != files_.end()) body = it->second;
    }
    const size_t half = body.size() / 2;
    switch (mode) {
      case Mode::normal:  // httplib answers a Range request with 206 itself
        res.set_content(body, "application/octet-stream");
        break;
      case Mode::corrupt:
        body[half] = static_cast<char>(body[half] ^ 0x55);
        res.set_content(body, "application/octet-stream");
        break;
      case Mode::missing:
        res.status = 404;
        res.set_content("no such file\n", "text/plain");
        break;
      case Mode::truncated:
        // Returning false from the provider makes httplib close the connection.
        res.set_content_provider(
            body.size(), "application/octet-stream",
            [body, half](size_t offset, size_t length, httplib::DataSink& sink) {
              if (offset >= half) return false;
              return sink.write(body.data() + offset, std::min(length, half - offset));
            });
        break;
      case Mode::no_range:
        // A chunked body is outside httplib's Range handling: 200, all of it.
        res.status = 200;
        res.set_chunked_content_provider("application/octet-stream",
                                         [body](size_t, httplib::DataSink& sink) {
                                           sink.write(body.data(), body.size());
                                           sink.done();
                                           return true;
                                         });
        break;
      case Mode::stall:
        res.set_content_provider(
            body.size(), "application/octet-stream",
            [this, body](size_t offset, size_t length, httplib::DataSink& sink) {
              if (offset == 0) return sink.write(body.data(), 100);
              // Hold the connection open, bounded, until the client gives up.
              const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
              while (!stopping_ && std::chrono::steady_clock::now() < until)
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
              return false;
            });
        break;
    }
  }

  std::map<std::string, std::string> files_;
  std::mutex mutex_;
  std::map<std::string, Mode> modes_;
  std::map<std::string, int> requests_;
  std::map<std::string, std::vector<std::string>> ranges_;
  std::atomic<bool> stopping_{false};
  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
};

// The md5sum-style file that matches the generated files.
std::string checksums_text(const std::map<std::string, std::string>& files) {
  std::string text;
  for (const auto& [name, body] : files) text += md5_hex(body) + "  " + name + "\n";
  return text;
}

// A server, a temp dir and download options pointing at both.
struct DownloadFixture : ::testing::Test {
  std::map<std::string, std::string> files = make_fixture_files();
  FixtureServer server{files};
  TempDir tmp;
  fs::path dir = tmp / "data";
  DownloadOptions opts;

  DownloadFixture() {
    test::write_text(tmp / "sums.md5", checksums_text(files));
    opts.mirror = server.base_url();
    opts.checksums = tmp / "sums.md5";
    opts.to = dir;
  }
  std::vector<Checksum> md5_of(const std::string& name) {
    return {Checksum{HashAlgo::md5, md5_hex(files[name])}};
  }
  std::string content(const std::string& name) { return test::read_text(dir / name); }
};

// ---- manifests, URLs and checksum files ----

TEST(DownloadManifest, KnowsTheThreeDataSets) {
  for (const char* name : {"fashion", "mnist", "kmnist"}) {
    const DatasetManifest& m = dataset_manifest(name);
    EXPECT_EQ(m.base_url.back(), '/') << name;
    ASSERT_EQ(m.files.size(), 4u) << name;
    EXPECT_EQ(m.files[0].name, kTrainImages);
    EXPECT_EQ(m.files[3].name, kTestLabels);
    for (const auto& f : m.files) {
      ASSERT_FALSE(f.sums.empty()) << f.name;
      EXPECT_EQ(f.sums[0].hex.size(), 32u) << f.name;
    }
  }
  EXPECT_EQ(dataset_manifest("fashion").default_dir, "data/fashion-mnist");
  // As published by Zalando and in torchvision.
  EXPECT_EQ(dataset_manifest("fashion").files[0].sums[0].hex, "8d4fb7e6c68d591d4c3dfef9ec88bf0d");
  expect_error([] { dataset_manifest("cifar"); }, {"cifar", "fashion, mnist, kmnist"});
}

TEST(DownloadUrl, NormalizesMirror) {
  EXPECT_EQ(normalize_base_url("http://127.0.0.1:80/x"), "http://127.0.0.1:80/x/");
  EXPECT_EQ(normalize_base_url("https://host/x/"), "https://host/x/");
  expect_error([] { normalize_base_url("ftp://host/"); }, {"ftp://host/", "http"});
}

TEST(DownloadChecksums, ParsesMd5sumAndSha256sumLines) {
  const std::string md5(32, 'a'), sha(64, 'B');
  const auto table = parse_checksums(
      "# sums\n\n" + md5 + "  dir/a.gz\n" + sha + " *a.gz\r\n" + md5 + "  b.gz", "SUMS");
  ASSERT_EQ(table.size(), 2u);
  ASSERT_EQ(table.at("a.gz").size(), 2u);
  EXPECT_EQ(table.at("a.gz")[0].algo, HashAlgo::md5);
  EXPECT_EQ(table.at("a.gz")[1].algo, HashAlgo::sha256);
  EXPECT_EQ(table.at("a.gz")[1].hex, std::string(64, 'b'));  // lower-cased
  EXPECT_EQ(table.at("b.gz")[0].hex, md5);
}

TEST(DownloadChecksums, RejectsMalformedAndConflictingLines) {
  expect_error([] { parse_checksums("abc  a.gz\n", "SUMS"); }, {"SUMS:1", "abc  a.gz"});
  expect_error([] { parse_checksums("\n" + std::string(32, 'g') + "  a.gz", "SUMS"); }, {"SUMS:2"});
  expect_error([] { parse_checksums(std::string(32, 'a'), "SUMS"); }, {"SUMS:1"});
  expect_error(
      [] {
        parse_checksums(std::string(32, 'a') + "  a.gz\n" + std::string(32, 'b') + "  a.gz\n",
                        "SUMS");
      },
      {"SUMS:2", "md5", "a.gz"});
  TempDir dir;
  test::write_text(dir / "empty", "# nothing\n");
  expect_error([&] { read_checksums_file(dir / "empty"); }, {"empty", "no checksums"});
}

// ---- downloads ----

TEST_F(DownloadFixture, FetchesVerifiesAndLoads) {
  const DownloadReport r = download_dataset(opts);
  EXPECT_EQ(r.dir, dir);
  EXPECT_EQ(r.base_url, server.base_url());
  EXPECT_EQ(r.train_images, 300u);
  EXPECT_EQ(r.test_images, 50u);
  ASSERT_EQ(r.files.size(), 4u);
  for (const auto& [name, outcome] : r.files) {
    EXPECT_EQ(outcome, FetchOutcome::downloaded) << name;
    EXPECT_EQ(content(name), files[name]) << name;
    EXPECT_FALSE(fs::exists(dir / (name + ".part"))) << name;
  }
  // What was downloaded loads through the normal data path.
  EXPECT_EQ(load_idx(dir / kTestImages, dir / kTestLabels).size(), 50u);
}

TEST_F(DownloadFixture, AcceptsSha256Sums) {
  std::string text;
  for (const auto& [name, body] : files) text += sha256_hex(body) + "  " + name + "\n";
  test::write_text(tmp / "sums.sha256", text);
  opts.checksums = tmp / "sums.sha256";
  EXPECT_EQ(download_dataset(opts).files.size(), 4u);
}

TEST_F(DownloadFixture, SkipsFilesAlreadyPresent) {
  download_dataset(opts);
  const DownloadReport again = download_dataset(opts);
  for (const auto& [name, outcome] : again.files) {
    EXPECT_EQ(outcome, FetchOutcome::already_present) << name;
    EXPECT_EQ(server.requests(name), 1) << name;  // none the second time
  }
}

TEST_F(DownloadFixture, ForceDownloadsAgain) {
  download_dataset(opts);
  opts.force = true;
  for (const auto& [name, outcome] : download_dataset(opts).files) {
    EXPECT_EQ(outcome, FetchOutcome::downloaded) << name;
    EXPECT_EQ(server.requests(name), 2) << name;
  }
}

TEST_F(DownloadFixture, ReplacesPresentFileWithWrongChecksum) {
  fs::create_directories(dir);
  test::write_text(dir / kTrainLabels, "stale");
  download_dataset(opts);
  EXPECT_EQ(content(kTrainLabels), files[kTrainLabels]);
}

TEST_F(DownloadFixture, ResumesPartialFileWithRange) {
  const std::string& body = files[kTrainImages];
  const size_t half = body.size() / 2;
  fs::create_directories(dir);
  test::write_text(dir / (std::string(kTrainImages) + ".part"), body.substr(0, half));

  const auto outcome = fetch_verified(server.url(kTrainImages), dir / kTrainImages,
                                      md5_of(kTrainImages), /*force=*/false);
  EXPECT_EQ(outcome, FetchOutcome::resumed);
  EXPECT_EQ(server.range_headers(kTrainImages),
            std::vector<std::string>{"bytes=" + std::to_string(half) + "-"});
  EXPECT_EQ(content(kTrainImages), body);
  EXPECT_FALSE(fs::exists(dir / (std::string(kTrainImages) + ".part")));
}

TEST_F(DownloadFixture, StartsAgainWhenServerIgnoresRange) {
  server.set_mode(kTrainImages, Mode::no_range);
  fs::create_directories(dir);
  // Junk in the .part: it must be dropped, not kept in front of the body.
  test::write_text(dir / (std::string(kTrainImages) + ".part"), std::string(1000, 'x'));

  const auto outcome = fetch_verified(server.url(kTrainImages), dir / kTrainImages,
                                      md5_of(kTrainImages), /*force=*/false);
  EXPECT_EQ(outcome, FetchOutcome::downloaded);
  EXPECT_EQ(server.range_headers(kTrainImages).size(), 1u);  // asked, refused
  EXPECT_EQ(content(kTrainImages), files[kTrainImages]);
}

TEST_F(DownloadFixture, CorruptFileFailsAndLeavesNothing) {
  server.set_mode(kTrainLabels, Mode::corrupt);
  std::string corrupt = files[kTrainLabels];
  corrupt[corrupt.size() / 2] ^= 0x55;
  expect_error([&] { download_dataset(opts); },
               {kTrainLabels, "checksum mismatch", md5_hex(files[kTrainLabels]), md5_hex(corrupt),
                server.url(kTrainLabels)});
  EXPECT_FALSE(fs::exists(dir / kTrainLabels));
  EXPECT_FALSE(fs::exists(dir / (std::string(kTrainLabels) + ".part")));
  EXPECT_TRUE(fs::exists(dir / kTrainImages));  // the one before it was fine
}

TEST_F(DownloadFixture, TruncatedTransferFailsAndKeepsPartForResume) {
  server.set_mode(kTrainImages, Mode::truncated);
  const std::string part = (dir / (std::string(kTrainImages) + ".part")).string();
  expect_error([&] { download_dataset(opts); },
               {server.url(kTrainImages), "connection closed", part, "resume"});
  EXPECT_FALSE(fs::exists(dir / kTrainImages));
  ASSERT_TRUE(fs::exists(part));
  const uintmax_t kept = fs::file_size(part);
  EXPECT_GT(kept, 0u);
  EXPECT_LT(kept, files[kTrainImages].size());

  // The server recovers; the next run picks up where the last one stopped.
  server.set_mode(kTrainImages, Mode::normal);
  const DownloadReport r = download_dataset(opts);
  EXPECT_EQ(r.files[0].second, FetchOutcome::resumed);
  EXPECT_EQ(server.range_headers(kTrainImages),
            std::vector<std::string>{"bytes=" + std::to_string(kept) + "-"});
  EXPECT_EQ(content(kTrainImages), files[kTrainImages]);
}

TEST_F(DownloadFixture, MissingFileFailsWithUrlAndStatus) {
  server.set_mode(kTestLabels, Mode::missing);
  expect_error([&] { download_dataset(opts); }, {server.url(kTestLabels), "HTTP 404"});
  EXPECT_FALSE(fs::exists(dir / kTestLabels));
  EXPECT_FALSE(fs::exists(dir / (std::string(kTestLabels) + ".part")));  // no empty litter
}

TEST_F(DownloadFixture, StalledTransferTimesOut) {
  server.set_mode(kTrainImages, Mode::stall);
  // curl averages the speed over the last few seconds, so the limit sits
  // well above what the first 100 bytes amount to once they are a second old.
  opts.http.low_speed_bytes_per_s = 1000;
  opts.http.low_speed_time_s = 1;
  const auto start = std::chrono::steady_clock::now();
  expect_error([&] { download_dataset(opts); }, {server.url(kTrainImages), "too slow", "resume"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_FALSE(fs::exists(dir / kTrainImages));
}

TEST_F(DownloadFixture, RefusedConnectionFailsNamingTheUrl) {
  opts.mirror = "http://127.0.0.1:1/";  // nothing listens on port 1
  expect_error([&] { download_dataset(opts); },
               {"http://127.0.0.1:1/" + std::string(kTrainImages)});
}

TEST_F(DownloadFixture, ChecksumsFileMustNameTheFiles) {
  test::write_text(tmp / "other.md5", std::string(32, 'a') + "  other.gz\n");
  opts.checksums = tmp / "other.md5";
  expect_error([&] { download_dataset(opts); }, {"other.md5", "none of the", kTrainImages});
}

TEST_F(DownloadFixture, BuiltInChecksumsRejectOtherFiles) {
  opts.checksums.clear();  // the published Fashion-MNIST sums: our fixtures differ
  expect_error([&] { download_dataset(opts); },
               {kTrainImages, "expected md5 8d4fb7e6c68d591d4c3dfef9ec88bf0d"});
  EXPECT_FALSE(fs::exists(dir / kTrainImages));
}

TEST_F(DownloadFixture, VerifiedFilesThatDoNotLoadAreAnError) {
  // Sums that vouch for the swapped files: the checksums pass, the load not.
  std::swap(files[kTestImages], files[kTestLabels]);
  FixtureServer swapped(files);
  test::write_text(tmp / "sums.md5", checksums_text(files));
  opts.mirror = swapped.base_url();
  expect_error([&] { download_dataset(opts); }, {"do not load", kTestImages, "magic"});
}

// ---- through the binary ----

TEST_F(DownloadFixture, CommandLineDownloadsThenReportsErrorsOnOneLine) {
  const std::vector<std::string> args = {
      "data", "download",  "--mirror", server.base_url(), "--checksums", opts.checksums.string(),
      "--to", dir.string()};
  auto ok = test::run_fmnist(args);
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  // The path does not say "fashion", so the hint names the classes.
  EXPECT_NE(ok.out.find("fmnist data info --data " + dir.string() + " --classes fashion"),
            std::string::npos)
      << ok.out;
  EXPECT_NE(ok.out.find("300 training and 50 test images"), std::string::npos) << ok.out;
  for (const auto& [name, body] : files) EXPECT_EQ(content(name), body) << name;

  // A forced download of a corrupt file fails and leaves the verified copy.
  server.set_mode(kTrainImages, Mode::corrupt);
  std::vector<std::string> bad = {"-q"};
  bad.insert(bad.end(), args.begin(), args.end());
  bad.push_back("--force");
  auto err = test::run_fmnist(bad);
  EXPECT_EQ(err.exit_code, 2);
  EXPECT_EQ(err.err.rfind("fmnist: error: ", 0), 0u) << err.err;
  EXPECT_EQ(std::count(err.err.begin(), err.err.end(), '\n'), 1) << err.err;
  EXPECT_NE(err.err.find("checksum mismatch"), std::string::npos) << err.err;
  EXPECT_EQ(content(kTrainImages), files[kTrainImages]);
}

TEST(DownloadCli, RejectsUnknownDataSetAndBadMirror) {
  auto r = test::run_fmnist({"data", "download", "--dataset", "cifar"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("fmnist: error:"), std::string::npos) << r.err;
  TempDir dir;
  r = test::run_fmnist({"data", "download", "--mirror", "ftp://x/", "--to", dir.path().string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("ftp://x/"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace fmnist
