#include "engine/finding_codec.h"

namespace refguard::engine {

namespace {

// The value format for encode_findings (bumped when put_findings changes).
constexpr uint8_t kValueFormat = 1;
// A blob with more findings than this is not something a scan produced.
constexpr uint32_t kMaxFindings = 1u << 20;

bool get_finding(ByteReader& reader, BlobFinding& finding) {
  uint8_t severity = 0;
  if (!(reader.get(finding.rule) && reader.get(finding.line) && reader.get(severity) && severity <= 1 &&
        reader.get(finding.secret_hash) && reader.get_string(finding.masked) && reader.get_string(finding.detail) &&
        reader.get_string(finding.where)))
    return false;
  finding.severity = severity == 0 ? detect::Severity::kBlock : detect::Severity::kWarn;
  return true;
}

}  // namespace

void put_findings(ByteWriter& writer, const std::vector<BlobFinding>& findings) {
  writer.put(static_cast<uint32_t>(findings.size()));
  for (const auto& f : findings) {
    writer.put(f.rule);
    writer.put(f.line);
    writer.put(static_cast<uint8_t>(f.severity == detect::Severity::kBlock ? 0 : 1));
    writer.put(f.secret_hash);
    writer.put_string(f.masked);
    writer.put_string(f.detail);
    writer.put_string(f.where);
  }
}

bool get_findings(ByteReader& reader, std::vector<BlobFinding>& findings) {
  uint32_t count = 0;
  if (!reader.get(count) || count > kMaxFindings) return false;
  findings.clear();
  for (uint32_t i = 0; i < count; ++i) {
    BlobFinding finding;
    if (!get_finding(reader, finding)) return false;
    findings.push_back(std::move(finding));
  }
  return true;
}

std::string encode_findings(const std::vector<BlobFinding>& findings) {
  ByteWriter writer;
  writer.put(kValueFormat);
  put_findings(writer, findings);
  return std::move(writer.bytes());
}

bool decode_findings(std::string_view bytes, std::vector<BlobFinding>& findings) {
  ByteReader reader(bytes);
  uint8_t format = 0;
  return reader.get(format) && format == kValueFormat && get_findings(reader, findings) && reader.at_end();
}

}  // namespace refguard::engine
