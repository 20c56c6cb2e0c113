// What results.json says about the machine: a VM's "AMD EPYC" alone hides
// whether the nets ran on AVX2 or AVX-512 kernels.
#include <gtest/gtest.h>

#include <sstream>

#include "core/machine.hpp"

namespace fmnist {
namespace {

const char* kTwoProcessors =
    "processor\t: 0\n"
    "vendor_id\t: AuthenticAMD\n"
    "cpu family\t: 26\n"
    "model\t\t: 2\n"
    "model name\t: AMD EPYC\n"
    "flags\t\t: fpu sse sse2 sse4_1 sse4_2 avx fma avx2 avx512f avx512dq avx512bw avx512vl "
    "avx512_bf16 avx512_vnni avx_vnni\n"
    "\n"
    "processor\t: 1\n"
    "vendor_id\t: GenuineIntel\n"
    "model name\t: Some Other CPU\n"
    "flags\t\t: fpu sse sse2\n";

TEST(Machine, CpuinfoGivesTheFirstProcessorsFamilyModelAndVectorExtensions) {
  std::istringstream in(kTwoProcessors);
  const CpuInfo cpu = parse_cpuinfo(in);
  EXPECT_EQ(cpu.name, "AMD EPYC");
  EXPECT_EQ(cpu.vendor, "AuthenticAMD");
  EXPECT_EQ(cpu.family, 26);
  EXPECT_EQ(cpu.model, 2);
  // Only the extensions the kernels care about, narrowest first, whatever
  // the order of the flags line.
  EXPECT_EQ(cpu.vector_extensions,
            (std::vector<std::string>{"sse4_2", "avx", "fma", "avx2", "avx_vnni", "avx512f",
                                      "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16"}));
  EXPECT_EQ(cpu.vector_isa(), "AVX-512");
  EXPECT_EQ(cpu.summary(), "AMD EPYC (AVX-512, family 26 model 2)");
}

TEST(Machine, NarrowerCpusAndUnreadableCpuinfoAreSaidPlainly) {
  std::istringstream avx2("model name\t: AMD EPYC\nflags\t\t: sse4_2 avx avx2 fma\n");
  EXPECT_EQ(parse_cpuinfo(avx2).summary(), "AMD EPYC (AVX2)");
  std::istringstream bad("cpu family\t: twenty\nmodel\t\t:\nflags\t\t: sse sse2\n");
  const CpuInfo odd = parse_cpuinfo(bad);
  EXPECT_EQ(odd.family, -1);
  EXPECT_EQ(odd.model, -1);
  EXPECT_EQ(odd.vector_isa(), "unknown");
  std::istringstream empty("");
  EXPECT_EQ(parse_cpuinfo(empty).summary(), "unknown");
}

TEST(Machine, MachineInfoKeepsTheCpuDetailsAndOldResultsStillRead) {
  const auto j = machine_info();
  for (const char* key : {"cpu", "cpu_vendor", "cpu_family", "cpu_model_number", "cpu_vector_isa",
                          "cpu_vector_extensions", "logical_cores", "threads_used", "libraries"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(machine_summary(j), cpu_info().summary());
  // results.json from before these fields: the name alone.
  EXPECT_EQ(machine_summary(nlohmann::json{{"cpu", "AMD EPYC"}}), "AMD EPYC");
  EXPECT_EQ(machine_summary(nlohmann::json::object()), "unknown CPU");
}

}  // namespace
}  // namespace fmnist
