// Containers read by the model detector, on hand-built bytes: zip archives
// whose headers lie about sizes and offsets, zip64, nested archives, .npy
// headers, and the bounded readers underneath (SliceSource, StreamReader).
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "detect/model/byte_source.h"
#include "detect/model/byte_stream.h"
#include "detect/model/model_scanner.h"
#include "detect/model/npy_header.h"
#include "detect/model/stream_reader.h"
#include "detect/model/zip_archive.h"

using namespace refguard::detect;
using namespace refguard::detect::model;
using namespace std::string_literals;

namespace {

std::string le(uint64_t value, int width) {
  std::string out;
  for (int i = 0; i < width; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  return out;
}

// A stored zip built field by field, so tests can forge any of them.
struct ZipSpec {
  std::vector<std::pair<std::string, std::string>> members;
  int64_t forged_size = -1;            // compressed size written for the first member
  int64_t forged_local_offset = -1;    // local header offset written for the first member
  int64_t forged_entries = -1;         // entry count in the end record
  int64_t forged_directory_offset = -1;
  bool zip64 = false;                  // write sizes/offsets as 0xFFFFFFFF plus zip64 records
};

std::string make_zip(const ZipSpec& spec) {
  std::string out, directory;
  for (size_t i = 0; i < spec.members.size(); ++i) {
    const auto& [name, data] = spec.members[i];
    uint64_t offset = out.size();
    out += "PK\x03\x04"s + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(0, 4) + le(data.size(), 4) +
           le(data.size(), 4) + le(name.size(), 2) + le(0, 2) + name + data;
    uint64_t size = i == 0 && spec.forged_size >= 0 ? static_cast<uint64_t>(spec.forged_size) : data.size();
    uint64_t local = i == 0 && spec.forged_local_offset >= 0 ? static_cast<uint64_t>(spec.forged_local_offset) : offset;
    std::string extra = spec.zip64 ? le(1, 2) + le(24, 2) + le(size, 8) + le(size, 8) + le(local, 8) : "";
    directory += "PK\x01\x02"s + le(45, 2) + le(45, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(0, 4) +
                 le(spec.zip64 ? 0xFFFFFFFF : size, 4) + le(spec.zip64 ? 0xFFFFFFFF : size, 4) + le(name.size(), 2) +
                 le(extra.size(), 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) +
                 le(spec.zip64 ? 0xFFFFFFFF : local, 4) + name + extra;
  }
  uint64_t directory_offset =
      spec.forged_directory_offset >= 0 ? static_cast<uint64_t>(spec.forged_directory_offset) : out.size();
  uint64_t entries = spec.forged_entries >= 0 ? static_cast<uint64_t>(spec.forged_entries) : spec.members.size();
  out += directory;
  if (spec.zip64) {
    uint64_t record = out.size();
    out += "PK\x06\x06"s + le(44, 8) + le(45, 2) + le(45, 2) + le(0, 4) + le(0, 4) + le(entries, 8) + le(entries, 8) +
           le(directory.size(), 8) + le(directory_offset, 8);
    out += "PK\x06\x07"s + le(0, 4) + le(record, 8) + le(1, 4);
    out += "PK\x05\x06"s + le(0, 4) + le(0xFFFF, 2) + le(0xFFFF, 2) + le(0xFFFFFFFF, 4) + le(0xFFFFFFFF, 4) + le(0, 2);
  } else {
    out += "PK\x05\x06"s + le(0, 4) + le(entries, 2) + le(entries, 2) + le(directory.size(), 4) +
           le(directory_offset, 4) + le(0, 2);
  }
  return out;
}

const std::string kEvil = "\x80\x04\x8c\x05posix\x8c\x06system\x93\x8c\x02id\x85R.";

std::vector<Hit> scan_bytes(std::string_view bytes, std::string_view path) {
  ModelScanner scanner{GlobalPolicy{}, ModelScanOptions{}};
  MemorySource source(bytes);
  std::vector<Hit> hits;
  scanner.scan(source, path, hits);
  return hits;
}

}  // namespace

TEST_CASE("zip reader lists members and finds their data", "[model]") {
  std::string zip = make_zip({{{"archive/data.pkl", kEvil}, {"archive/version", "3\n"}}});
  MemorySource source(zip);
  auto archive = ZipArchive::open(source);
  REQUIRE(archive);
  REQUIRE(archive->entries().size() == 2);
  CHECK(archive->entries()[0].name == "archive/data.pkl");
  auto offset = archive->data_offset(archive->entries()[0]);
  REQUIRE(offset);
  CHECK(zip.substr(*offset, kEvil.size()) == kEvil);
}

TEST_CASE("zip reader reads zip64 records and extra fields", "[model]") {
  ZipSpec spec{{{"archive/data.pkl", kEvil}}};
  spec.zip64 = true;
  std::string zip = make_zip(spec);
  MemorySource source(zip);
  auto archive = ZipArchive::open(source);
  REQUIRE(archive);
  REQUIRE(archive->entries().size() == 1);
  CHECK(archive->entries()[0].compressed_size == kEvil.size());
  CHECK(archive->data_offset(archive->entries()[0]));
}

TEST_CASE("zip reader checks every size and offset a header declares", "[model]") {
  auto open_error = [](const ZipSpec& spec) {
    std::string zip = make_zip(spec);
    MemorySource source(zip);
    auto archive = ZipArchive::open(source);
    if (!archive) return archive.error().message;
    auto offset = archive->data_offset(archive->entries()[0]);
    return offset ? std::string() : offset.error().message;
  };
  ZipSpec base{{{"archive/data.pkl", kEvil}}};
  ZipSpec huge = base, beyond = base, entries = base, directory = base, many = base;
  huge.forged_size = 0xFFFFFFF0;
  beyond.forged_local_offset = 1 << 30;
  entries.forged_entries = 3;
  directory.forged_directory_offset = 1 << 30;
  many.forged_entries = 0xFFFF;
  CHECK(open_error(base).empty());
  CHECK_THAT(open_error(huge), Catch::Contains("run past the end of the file"));
  CHECK_THAT(open_error(beyond), Catch::Contains("no local header at offset 1073741824"));
  CHECK_THAT(open_error(entries), Catch::Contains("central directory entry 1 is missing or corrupt"));
  CHECK_THAT(open_error(directory), Catch::Contains("central directory lies outside the file"));
  CHECK_THAT(open_error(many), Catch::Contains("zip64 fields without a zip64 locator"));

  std::string zip = make_zip(base);
  for (size_t cut : {size_t{0}, size_t{10}, zip.size() / 2, zip.size() - 1}) {
    MemorySource source(std::string_view(zip).substr(0, cut));
    CHECK(!ZipArchive::open(source));
  }
}

TEST_CASE("model scanner: forged zips block only when named like a model", "[model]") {
  ZipSpec forged{{{"archive/data.pkl", "\x80\x02N."}}};
  forged.forged_size = 0xFFFFFFF0;
  auto hits = scan_bytes(make_zip(forged), "model.pt");
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].severity == Severity::kBlock);
  CHECK_THAT(hits[0].detail, Catch::StartsWith("cannot read the member: member archive/data.pkl"));
  CHECK(hits[0].where == "archive/data.pkl");

  std::string broken = make_zip({{{"word/document.xml", "<x/>"}}});
  broken.resize(broken.size() - 5);
  CHECK(scan_bytes(broken, "report.docx").empty());
  auto model_hits = scan_bytes(broken, "model.pth");
  REQUIRE(model_hits.size() == 1);
  CHECK_THAT(model_hits[0].detail, Catch::StartsWith("cannot parse the model's zip archive"));
}

TEST_CASE("model scanner looks inside stored archives within archives", "[model]") {
  std::string inner = make_zip({{{"archive/data.pkl", kEvil}}});
  std::string outer = make_zip({{{"models/inner.pt", inner}, {"README", "hello"}}});
  auto hits = scan_bytes(outer, "bundle.zip");
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].where == "models/inner.pt!archive/data.pkl");
  CHECK(hits[0].detail == "pickle imports posix.system (dangerous: runs shell commands) in archive member "
                          "models/inner.pt!archive/data.pkl");
}

TEST_CASE(".npy header parser reads descr and spots object dtypes", "[model]") {
  auto header = [](std::string dict) {
    std::string bytes = "\x93NUMPY\x01\x00"s + le(dict.size(), 2) + dict;
    MemorySource source(bytes);
    SourceStream stream(source);
    ScanBudget budget{1 << 20};
    StreamReader reader(stream, budget);
    return read_npy_header(reader);
  };
  auto plain = header("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }\n");
  REQUIRE(plain);
  CHECK(plain->descr == "<f8");
  CHECK(!plain->object_dtype);
  auto object = header("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }\n");
  REQUIRE(object);
  CHECK(object->object_dtype);
  auto structured = header("{'descr': [('a', '<i4'), ('b', [('c', '|O')])], 'fortran_order': False, 'shape': (1,)}");
  REQUIRE(structured);
  CHECK(structured->object_dtype);
  CHECK(!header("{'descr': '<f8'}"));
  CHECK(!header("{'descr': <f8, 'shape': ()}"));
  CHECK(!header("[1, 2"));
}

TEST_CASE("byte sources clamp reads to their bounds", "[model]") {
  std::string bytes = "0123456789";
  MemorySource memory(bytes);
  SliceSource slice(memory, 4, 100);
  CHECK(slice.size() == 6);
  char out[16] = {};
  CHECK(slice.read(2, out, sizeof(out)) == 4);
  CHECK(std::string(out, 4) == "6789");
  CHECK(slice.read(6, out, 1) == 0);
  SliceSource past(memory, 20, 5);
  CHECK(past.size() == 0);

  auto path = std::filesystem::temp_directory_path() / "refguard-model-source-test.bin";
  std::ofstream(path, std::ios::binary) << bytes;
  auto file = FileSource::open(path.string());
  REQUIRE(file);
  CHECK(file->size() == 10);
  CHECK(file->read(7, out, sizeof(out)) == 3);
  CHECK(std::string(out, 3) == "789");
  std::filesystem::remove(path);
  CHECK(!FileSource::open(path.string()));
}

TEST_CASE("stream reader reads lines, peeks and skips within its budget", "[model]") {
  std::string bytes = "short\n" + std::string(100000, 'x') + "\nend";
  MemorySource source(bytes);
  SourceStream stream(source);
  ScanBudget budget{1 << 20};
  StreamReader reader(stream, budget);
  auto first = reader.line(64);
  REQUIRE(first);
  CHECK(first->kept == "short");
  auto long_line = reader.line(8);
  REQUIRE(long_line);
  CHECK(long_line->kept == "xxxxxxxx");
  CHECK(long_line->length == 100000);
  char peeked[3];
  CHECK(reader.peek(peeked, 3) == 3);
  CHECK(std::string(peeked, 3) == "end");
  CHECK(reader.offset() == 100007);
  CHECK(!reader.line(8));  // no newline before the end
  CHECK(reader.failure() == StreamReader::Failure::kEnd);

  MemorySource again(bytes);
  SourceStream stream2(again);
  ScanBudget small{1000};
  StreamReader limited(stream2, small);
  CHECK(limited.skip(90000));  // random access: skipping is free
  CHECK(!limited.line(8).has_value());
  CHECK(limited.failure() == StreamReader::Failure::kBudget);
}
