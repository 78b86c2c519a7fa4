// The cost of reading keys behind encodings and containers (issue 16,
// "Encodings and containers"; issue 15 item 7): engine::scan_blob with the
// built-in policy, one thread, over generated blobs of each kind, against the
// same amount of ordinary source text. Not a test: bench/README.md has the numbers.
//
//   refguard_decode_cost [--mib 16] [--runs 5]
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/blob_scanner.h"
#include "engine/compiled_policy.h"
#include "policy/builtin_policy.h"
#include "policy/policy_layer.h"

using namespace refguard;

namespace {

std::mt19937_64 rng(42);

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng());
  return out;
}

std::string source_text(size_t n) {
  static const char* lines[] = {
      "def handle(request, client):\n", "    response = client.chat.completions.create(model=\"gpt-4o\", messages=m)\n",
      "    return response.choices[0].message.content\n", "import os, json, logging\n",
      "logger = logging.getLogger(__name__)\n", "    # TODO: retry with exponential backoff on 429\n",
      "    config = {\"timeout\": 30, \"retries\": 3, \"base_url\": os.environ[\"API_BASE\"]}\n"};
  std::string out;
  while (out.size() < n) out += lines[rng() % 7];
  return out;
}

std::string base64(std::string_view bytes) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i + 2 < bytes.size(); i += 3) {
    uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                 static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                 static_cast<unsigned char>(bytes[i + 2]);
    for (int k = 3; k >= 0; --k) out += a[(n >> (6 * k)) & 63];
  }
  return out;
}

// YAML holding base64 runs: images (binary) and encoded text.
std::string base64_heavy(size_t n) {
  std::string out;
  while (out.size() < n) {
    out += "icon: " + base64(random_bytes(3000)) + "\n";
    out += "config: " + base64(source_text(600)) + "\n";
    out += source_text(2000);
  }
  return out;
}

std::string utf16(std::string_view text) {
  std::string out = "\xFF\xFE";
  for (char c : text) out += std::string{c, '\0'};
  return out;
}

std::string gzip(std::string_view data) {
  z_stream s{};
  deflateInit2(&s, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
  std::string out(compressBound(static_cast<uLong>(data.size())) + 64, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  deflate(&s, Z_FINISH);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

std::string tar(size_t members, size_t member_bytes) {
  std::string out;
  for (size_t i = 0; i < members; ++i) {
    std::string header(512, '\0');
    std::string name = "src/module_" + std::to_string(i) + ".py";
    header.replace(0, name.size(), name);
    char size[12];
    std::snprintf(size, sizeof size, "%011o", static_cast<unsigned>(member_bytes));
    header.replace(124, 11, size);
    header[156] = '0';
    header.replace(257, 5, "ustar");
    out += header + source_text(member_bytes).substr(0, member_bytes);
    out.resize((out.size() + 511) / 512 * 512, '\0');
  }
  return out + std::string(1024, '\0');
}

double mb_per_s(const engine::CompiledPolicy& policy, std::string_view path, const std::string& blob, bool binary,
                size_t logical_bytes, int runs) {
  std::vector<double> rates;
  for (int r = 0; r < runs; ++r) {
    auto start = std::chrono::steady_clock::now();
    auto findings = engine::scan_blob(policy, path, "", blob, binary);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    rates.push_back(static_cast<double>(logical_bytes) / 1e6 / seconds);
    (void)findings;
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  size_t mib = 16;
  int runs = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--mib") == 0) mib = std::stoul(argv[i + 1]);
    else if (std::strcmp(argv[i], "--runs") == 0) runs = std::stoi(argv[i + 1]);
  }
  policy::PolicySpec spec;
  if (!policy::apply_layer(spec, policy::builtin_policy_text(), "builtin", policy::LayerKind::kBuiltin)) return 2;
  auto compiled = engine::CompiledPolicy::compile(spec);
  if (!compiled) return 2;
  const auto& policy = **compiled;
  const size_t n = mib << 20;
  std::string text = source_text(n);
  std::printf("| blob (%zu MiB of content) | MB/s (median of %d) |\n|---|---|\n", mib, runs);
  std::printf("| Python source, as text (reference) | %.1f |\n", mb_per_s(policy, "src/app.py", text, false, n, runs));
  std::printf("| YAML with base64 runs (images and encoded text) | %.1f |\n",
              mb_per_s(policy, "conf/app.yaml", base64_heavy(n), false, n, runs));
  std::printf("| UTF-16LE text (decoded, then scanned) | %.1f |\n",
              mb_per_s(policy, "src/app.cs", utf16(text), true, 2 * n, runs));
  std::printf("| random binary (text runs) | %.1f |\n", mb_per_s(policy, "data/blob.bin", random_bytes(n), true, n, runs));
  std::string archive = tar(n / 8192, 8192);
  std::printf("| tar, 8 KiB source members | %.1f |\n", mb_per_s(policy, "dist/src.tar", archive, true, archive.size(), runs));
  std::string tgz = gzip(archive);
  std::printf("| tar.gz of the same (%.1f MiB compressed; inflated bytes counted) | %.1f |\n",
              static_cast<double>(tgz.size()) / (1 << 20), mb_per_s(policy, "dist/src.tar.gz", tgz, true, archive.size(), runs));
  return 0;
}
