#pragma once
// The binary form of a blob's (and a commit's) findings, shared by the
// scan-cache file (engine/scan_cache_file.cpp) and the shared scan cache on Redis
// (engine/shared_scan_cache.cpp), so both read and write one format. Native
// byte order and little framing: the file and Redis only ever hold what a
// refguard build of the same producer wrote (the producer is checked by the
// file, and is part of every Redis key). Decoding never trusts its input:
// any overrun, unknown severity or trailing byte is a failure.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "engine/finding.h"

namespace refguard::engine {

/// The form of put_findings, bumped whenever it changes: the first byte of an
/// encode_findings value, and part of the scan cache's producer
/// (scan_cache_producer), so neither a cache file nor a shared cache ever
/// serves findings written in another form. 2: the inline-allow mark.
inline constexpr uint8_t kFindingsFormat = 2;

/// Appends fixed-size values and length-prefixed strings.
class ByteWriter {
 public:
  template <class T>
  void put(T value) {
    out_.append(reinterpret_cast<const char*>(&value), sizeof(value));
  }
  void put_string(std::string_view text) {
    put(static_cast<uint32_t>(text.size()));
    out_.append(text);
  }
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

/// Bounds-checked reader: every get fails (returns false) rather than overrun.
class ByteReader {
 public:
  explicit ByteReader(std::string_view data) : data_(data) {}
  template <class T>
  bool get(T& value) {
    if (data_.size() - position_ < sizeof(T)) return false;
    std::memcpy(&value, data_.data() + position_, sizeof(T));
    position_ += sizeof(T);
    return true;
  }
  bool get_string(std::string& text) {
    uint32_t length = 0;
    if (!get(length) || data_.size() - position_ < length) return false;
    text.assign(data_.data() + position_, length);
    position_ += length;
    return true;
  }
  bool at_end() const { return position_ == data_.size(); }

 private:
  std::string_view data_;
  size_t position_ = 0;
};

/// Writes the count, then each finding.
void put_findings(ByteWriter& writer, const std::vector<BlobFinding>& findings);
/// Reads what put_findings wrote; false on any malformed input.
bool get_findings(ByteReader& reader, std::vector<BlobFinding>& findings);

/// One blob's findings as a self-contained value (a format byte, then
/// put_findings), and back; decode fails on anything else, trailing bytes included.
std::string encode_findings(const std::vector<BlobFinding>& findings);
bool decode_findings(std::string_view bytes, std::vector<BlobFinding>& findings);

/// One commit's judgement the same way: a format byte, the commit's parents
/// and summary, the file count, then each finding with its path.
std::string encode_commit_judgement(const CommitJudgement& judgement);
bool decode_commit_judgement(std::string_view bytes, CommitJudgement& judgement);

}  // namespace refguard::engine
