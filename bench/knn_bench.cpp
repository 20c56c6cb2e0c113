// The measurement behind knn's search (docs/DESIGN.md, "Nearest
// neighbours"): the same query x training products by our exact byte kernels
// (AVX-512 VNNI and the AVX2 fallback) and by OpenBLAS's float32 sgemm (what
// the GEMM trick in floats, or faiss's flat index, runs on), one thread, then
// the whole search for each metric with N threads.
//
//   bench_knn [QUERIES] [--threads N]
#include <cblas.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/threads.hpp"
#include "data/idx.hpp"
#include "models/knn_search.hpp"
#include "models/svm/dot_u8.hpp"

namespace {
double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main(int argc, char** argv) {
  using namespace fmnist;
  size_t nq = 10000;
  int nthreads = 2;
  for (int a = 1; a < argc; ++a) {
    if (!std::strcmp(argv[a], "--threads") && a + 1 < argc)
      nthreads = std::atoi(argv[++a]);
    else
      nq = std::strtoul(argv[a], nullptr, 10);
  }
  const std::string dir = "/usr/share/datasets/fashion-mnist";
  const Dataset train =
      load_idx(dir + "/train-images-idx3-ubyte.gz", dir + "/train-labels-idx1-ubyte.gz");
  const Dataset test =
      load_idx(dir + "/t10k-images-idx3-ubyte.gz", dir + "/t10k-labels-idx1-ubyte.gz");
  nq = std::min(nq, test.size());
  const size_t n = train.size(), dim = train.image_size();

  // One thread, 256 queries against all training images: multiply-adds/s.
  set_threads(1);
  const size_t block = 256;
  const double macs = double(block) * n * dim;
  std::vector<const uint8_t*> qrows(block), trows(n);
  for (size_t r = 0; r < block; ++r) qrows[r] = test.image(r).data();
  for (size_t i = 0; i < n; ++i) trows[i] = train.image(i).data();
  const svm::PackedU8 packed(trows, dim);
  std::vector<int32_t> dots(block * packed.padded_size());
  for (auto backend : {svm::DotBackend::vnni, svm::DotBackend::portable}) {
    if (backend == svm::DotBackend::vnni && !svm::have_vnni()) continue;
    const auto t0 = std::chrono::steady_clock::now();
    svm::dot_batch(qrows, packed, dots.data(), packed.padded_size(), backend);
    const double s = since(t0);
    std::printf("bytes %-8s 1 thread: %.3f s for %zu x %zu x %zu, %.1f G multiply-adds/s\n",
                backend == svm::DotBackend::vnni ? "vnni" : "avx2", s, block, n, dim,
                macs / s / 1e9);
  }
  {
    std::vector<float> q(block * dim), t(n * dim), out(block * n);
    for (size_t i = 0; i < block * dim; ++i) q[i] = test.pixels[i];
    for (size_t i = 0; i < n * dim; ++i) t[i] = train.pixels[i];
    const auto t0 = std::chrono::steady_clock::now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(block),
                static_cast<int>(n), static_cast<int>(dim), 1.f, q.data(), static_cast<int>(dim),
                t.data(), static_cast<int>(dim), 0.f, out.data(), static_cast<int>(n));
    const double s = since(t0);
    std::printf("sgemm (OpenBLAS) 1 thread: %.3f s for %zu x %zu x %zu, %.1f G multiply-adds/s\n",
                s, block, n, dim, macs / s / 1e9);
  }

  // The whole search, k=5, as knn's predict runs it.
  for (const char* metric : {"l2", "cosine", "l1"}) {
    const knn::Index index(train.pixels, n, dim, knn::parse_metric(metric), nthreads);
    const auto t0 = std::chrono::steady_clock::now();
    const auto nb = index.search(test.pixels.data(), nq, 5, nthreads);
    const double s = since(t0);
    std::printf("search %-6s k=5, %zu queries, %d threads: %.2f s (%.0f queries/s)\n", metric, nq,
                nthreads, s, nq / s);
  }
  return 0;
}
