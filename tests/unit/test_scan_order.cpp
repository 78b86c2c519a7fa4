// A verdict must not depend on timing (issue 15, item 16). Which thread scans
// a file, and what that thread scanned before, is up to the scheduler; the
// scanner keeps per-thread state between files (Vectorscan scratch, candidate
// lists, the notebook parser). So a file's findings must be the same whatever
// its thread scanned before: here each file of a varied corpus is scanned
// alone on a fresh thread, then all of them on one thread in several orders,
// with another policy's scans in between, and on two threads at once. A
// carry-over between files fails this deterministically, where concurrent
// whole-history scans (test_scan_determinism.sh) only catch it by luck.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "content_builders.h"
#include "engine/blob_scanner.h"
#include "policy_builder.h"

using namespace refguard;
using namespace refguard::testing;

namespace {

struct File {
  std::string path;
  std::string content;
  bool binary = false;
};

std::string notebook(const std::string& code, const std::string& output) {
  return R"({"cells": [{"cell_type": "code", "execution_count": 1, "metadata": {}, "source": [")" + code +
         R"(\n"], "outputs": [{"name": "stdout", "output_type": "stream", "text": [")" + output +
         R"(\n"]}]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})";
}

// Every kind of file the scanner treats its own way, each with something to find.
std::vector<File> corpus() {
  const std::string token = github_token(15), other_token = github_token(16);
  const std::string python = "import subprocess\nout = subprocess.run(cmd, shell=True)\n# shell=True in a comment\n"
                             "text = subprocess.getoutput(command)\nTOKEN = \"" + token + "\"\n";
  std::string large;  // grows the per-thread lists past what they keep between files
  for (int i = 0; i < 80000; ++i)
    large += i % 997 == 0 ? fmt::format("run_{}(x, shell=True)\n", i) : fmt::format("value_{} = {}\n", i, i);
  std::string archive = tar_member("conf/settings.py", "TOKEN = \"" + other_token + "\"\n");
  archive += std::string(1024, '\0');
  std::vector<File> files = {
      {"tools/run.py", python},
      {"tools/run.txt", python},  // the same content where other rules apply
      {"notes/run.ipynb", notebook("subprocess.run(cmd, shell=True)", "token " + token)},
      {"notes/broken.ipynb", notebook("subprocess.run(cmd, shell=True)", token) + ",\n"},  // read as plain text
      {"tools/big.py", large},
      {"tools/crlf.py", "a = 1\r\nsubprocess.call(x, shell=True)\r\nTOKEN = '" + other_token + "'"},
      {"tools/wide.py", utf16("TOKEN = \"" + token + "\"\nsubprocess.run(c, shell=True)\n", true, true), true},
      {"tools/wide_be.txt", utf16("TOKEN = \"" + other_token + "\"\n", false, false), true},
      {"bin/blob.bin", std::string("\x7f" "ELF\0\0\x01", 7) + "token=" + token + std::string("\0\0\x02", 3), true},
      {"deploy/secret.yaml", "data:\n  token: " + base64("TOKEN = \"" + token + "\"") + "\n"},
      {"vendor/conf.tar.gz", gzip(archive), true},
      {".mcp.json", "{\"mcpServers\": {\"gh\": {\"env\": {\"GITHUB_TOKEN\": \"" + token + "\"},}}}\n"},
      {"AGENTS.md", "Follow the style guide." + std::string("\xF3\xA0\x81\x81\xF3\xA0\x81\x82") + "\n"},
      {"keys/id.pem", "-----BEGIN RSA PRIVATE KEY-----\n" + pem_body(8, 17) + "-----END RSA PRIVATE KEY-----\n"},
      {"tools/empty.py", ""},
      {"tools/one_line.py", "subprocess.run(cmd, shell=True)"},
  };
  return files;
}

// A file's findings as comparable text, in a fixed order.
std::string findings_of(const engine::CompiledPolicy& policy, const File& file) {
  std::vector<std::string> lines;
  for (const auto& f : engine::scan_blob(policy, file.path, "00000000000000000000000000000000000000aa", file.content,
                                         file.binary))
    lines.push_back(fmt::format("{} line {} {} [{}] {} {:x}", policy.rules()[f.rule].spec.id, f.line, f.where, f.masked,
                                f.detail, f.secret_hash));
  std::sort(lines.begin(), lines.end());
  return fmt::format("{}", fmt::join(lines, "\n"));
}

// Each file scanned by a thread of its own, which has scanned nothing before.
std::vector<std::string> alone(const engine::CompiledPolicy& policy, const std::vector<File>& files) {
  std::vector<std::string> out(files.size());
  for (size_t i = 0; i < files.size(); ++i) std::thread([&, i] { out[i] = findings_of(policy, files[i]); }).join();
  return out;
}

// Every file in `order` on the calling thread; `between`, when given, scans
// something else (another policy) before each file.
std::vector<std::string> in_order(const engine::CompiledPolicy& policy, const std::vector<File>& files,
                                  const std::vector<size_t>& order, const engine::CompiledPolicy* between = nullptr) {
  std::vector<std::string> out(files.size());
  for (size_t k = 0; k < order.size(); ++k) {
    if (between) findings_of(*between, files[order[(k + 1) % order.size()]]);
    out[order[k]] = findings_of(policy, files[order[k]]);
  }
  return out;
}

}  // namespace

TEST_CASE("scan order: a file's findings do not depend on what its thread scanned before", "[scan_order]") {
  const auto policy = builtin_policy();
  const auto other = compile_policy(kDemoKeyRule);  // fewer rules: another database and other list sizes
  const std::vector<File> files = corpus();
  const std::vector<std::string> expected = alone(*policy, files);

  // The corpus is not vacuous: the rules a carry-over would silence do fire.
  std::string all = fmt::format("{}", fmt::join(expected, "\n"));
  for (const char* rule : {"subprocess-shell-true", "github-token", "private-key"}) {
    INFO(rule);
    CHECK(all.find(rule) != std::string::npos);
  }
  for (size_t i = 0; i < files.size(); ++i) {
    INFO(files[i].path);
    CHECK(expected[i].empty() == files[i].content.empty());  // every kind of file has something found
  }
  CHECK(expected[4].find("line 998 ") != std::string::npos);  // the large file's second hit

  std::vector<size_t> order(files.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  SECTION("in order, twice") {
    CHECK(in_order(*policy, files, order) == expected);
    CHECK(in_order(*policy, files, order) == expected);
  }
  SECTION("reversed") {
    std::reverse(order.begin(), order.end());
    CHECK(in_order(*policy, files, order) == expected);
  }
  SECTION("shuffled, with another policy's scans in between") {
    std::mt19937 random(15);
    for (int round = 0; round < 5; ++round) {
      std::shuffle(order.begin(), order.end(), random);
      CHECK(in_order(*policy, files, order, other.get()) == expected);
    }
  }
  SECTION("on two threads at once, in opposite orders") {
    std::vector<size_t> reversed(order.rbegin(), order.rend());
    std::vector<std::string> first, second;
    std::thread a([&] { first = in_order(*policy, files, order, other.get()); });
    std::thread b([&] { second = in_order(*policy, files, reversed); });
    a.join();
    b.join();
    CHECK(first == expected);
    CHECK(second == expected);
  }
}
