#include <catch2/catch.hpp>

#include "detector_builder.h"
#include <toml++/toml.h>

#include <string>
#include <vector>

#include "detect/size_detector.h"

using namespace refguard::detect;

namespace {

using Built = refguard::testing::BuiltDetector;

Built build(std::string_view snippet) { return refguard::testing::build_detector(&make_size_detector, snippet, "rule-id", "test.toml"); }

std::vector<Hit> scan(const Detector& detector, std::string_view path, std::string_view content) {
  FileView file;
  file.path = path;
  file.content = content;
  file.binary = true;
  std::vector<Hit> hits;
  detector.scan_file(file, hits);
  return hits;
}

const std::string kLfsPointer =
    "version https://git-lfs.github.com/spec/v1\n"
    "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
    "size 12345\n";

}  // namespace

TEST_CASE("size detector fires above max_bytes on matching paths, never on LFS pointers", "[size]") {
  auto built = build(R"(type = "size"
max_bytes = 100
globs = ["*.safetensors", "*.bin"])");
  REQUIRE(built.finished);
  REQUIRE(built.detector);

  struct Case {
    const char* path;
    std::string content;
    bool fires;
  };
  const std::vector<Case> cases = {
      {"model.safetensors", std::string(101, 'x'), true},
      {"weights/pytorch_model.bin", std::string(5000, '\0'), true},
      {"model.safetensors", std::string(100, 'x'), false},  // exactly the limit passes
      {"model.safetensors", "", false},
      {"data/big.csv", std::string(5000, 'x'), false},  // outside the globs
      {"model.safetensors", kLfsPointer + std::string(200, ' '), false},
      {"model.bin", "version https://git-lfs.github.com/spec/v1" + std::string(500, 'x'), false},
      {"model.bin", " version https://git-lfs.github.com/spec/v1" + std::string(500, 'x'), true},
  };
  for (const auto& row : cases) {
    INFO(row.path << " with " << row.content.size() << " bytes");
    auto hits = scan(*built.detector, row.path, row.content);
    CHECK(hits.size() == (row.fires ? 1u : 0u));
  }
}

TEST_CASE("size detector without globs checks every file and explains the limit", "[size]") {
  auto built = build(R"(type = "size"
max_bytes = 10485760)");
  REQUIRE(built.finished);
  const std::string big(12'897'485, 'x');  // 12.3 MiB
  auto hits = scan(*built.detector, "any/file.dat", big);
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].line == 0);
  CHECK(hits[0].secret.empty());
  CHECK(hits[0].detail == "file is 12.3 MiB, above the 10.0 MiB limit for this path; store it with Git LFS");
  CHECK(scan(*built.detector, "small.dat", std::string_view(big).substr(0, 10485760)).empty());
}

TEST_CASE("size detector may report only at paths its globs match, or anywhere without globs", "[size]") {
  auto scoped = build(R"(type = "size"
max_bytes = 100
globs = ["*.safetensors", "*.bin"])");
  REQUIRE(scoped.detector);
  CHECK(scoped.detector->may_report_at("m/model.safetensors"));
  CHECK(scoped.detector->may_report_at("model.bin"));
  CHECK_FALSE(scoped.detector->may_report_at("data/big.csv"));
  auto everywhere = build(R"(type = "size"
max_bytes = 100)");
  REQUIRE(everywhere.detector);
  CHECK(everywhere.detector->may_report_at("data/big.csv"));
}

TEST_CASE("format_byte_size picks a readable binary unit", "[size]") {
  const std::vector<std::pair<uint64_t, const char*>> cases = {
      {0, "0 B"},
      {1023, "1023 B"},
      {1024, "1.0 KiB"},
      {1536, "1.5 KiB"},
      {1024 * 1024 - 1, "1.0 MiB"},
      {52428800, "50.0 MiB"},
      {3ULL << 30, "3.0 GiB"},
  };
  for (const auto& [bytes, text] : cases) CHECK(format_byte_size(bytes) == text);
}

TEST_CASE("size detector rejects bad parameters", "[size]") {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {R"(type = "size")", "detector.max_bytes: is required"},
      {R"(type = "size"
max_bytes = 0)", "detector.max_bytes: must be greater than 0"},
      {R"(type = "size"
max_bytes = -5)", "must be greater than 0"},
      {R"(type = "size"
max_bytes = 100
globs = ["[bad"])", "detector.globs: glob '[bad'"},
  };
  for (const auto& [snippet, mentions] : cases) {
    INFO(snippet);
    auto built = build(snippet);
    CHECK_FALSE(built.detector);
    REQUIRE_FALSE(built.finished);
    CHECK_THAT(built.finished.error().message, Catch::Contains(mentions));
  }
  auto typed = build(R"(type = "size"
max_bytes = "10MB")");
  REQUIRE_FALSE(typed.finished);
  CHECK_THAT(typed.finished.error().message, Catch::Contains("must be an integer"));
}
