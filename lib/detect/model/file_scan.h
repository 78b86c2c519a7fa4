#pragma once
// Internal to ModelScanner: the walk through one file. It recognises the
// content, descends into zip members and compressed streams, and hands each
// pickle to the scanner and each finding to the hit list. Per call; not shared.
#include <string>
#include <string_view>
#include <vector>

#include "detect/detector.h"
#include "detect/model/byte_source.h"
#include "detect/model/byte_stream.h"
#include "detect/model/model_scanner.h"
#include "detect/model/scan_budget.h"
#include "detect/model/stream_reader.h"
#include "detect/model/zip_archive.h"

namespace refguard::detect::model {

/// Where in the file the walk is.
struct Location {
  std::string name;       // the file's or member's name, for the name checks
  std::string member;     // archive member ("" at the top); nested archives join with '!'
  std::string container;  // "zlib-compressed data", "object array", ... ("" when none)
  int depth = 0;
};

class FileScan {
 public:
  static constexpr int kMaxDepth = 4;     // archives and compressed streams within each other
  static constexpr int kMaxPickles = 64;  // consecutive pickles in one stream
  static constexpr size_t kMaxHits = 100;

  FileScan(const ModelScanner& scanner, std::vector<Hit>& hits);
  /// Scans content with random access (a file, a stored zip member).
  void source(const ByteSource& input, const Location& at);
  /// Adds a summary of findings dropped past kMaxHits; call once at the end.
  void finish();

 private:
  void stream(ByteStream& input, const Location& at);
  void zip(const ByteSource& input, const Location& at);
  void zip_member(const ByteSource& input, const ZipArchive& archive, const ZipEntry& entry, const Location& at);
  void safetensors(const ByteSource& input, const Location& at);
  void npy(StreamReader& reader, const Location& at);
  void compressed(StreamReader& reader, bool gzip, const Location& at);
  void pickles(StreamReader& reader, std::string_view head, const Location& at, bool strict);
  void add(Severity severity, std::string detail, const Location& at);
  void add_all(std::vector<Hit>& found);

  const ModelScanner& scanner_;
  std::vector<Hit>& hits_;
  ScanBudget budget_;
  size_t added_ = 0;
  size_t dropped_ = 0;
  bool dropped_block_ = false;
};

}  // namespace refguard::detect::model
