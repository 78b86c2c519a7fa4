#include "engine/finding_codec.h"

namespace refguard::engine {

namespace {

// A blob with more findings than this is not something a scan produced.
constexpr uint32_t kMaxFindings = 1u << 20;
// Nor a commit with more parents than this (git's largest octopus merges have dozens).
constexpr uint32_t kMaxParents = 1u << 16;

void put_finding(ByteWriter& writer, const BlobFinding& f) {
  writer.put(f.rule);
  writer.put(f.line);
  writer.put(static_cast<uint8_t>(f.severity == detect::Severity::kBlock ? 0 : 1));
  writer.put(f.secret_hash);
  writer.put_string(f.masked);
  writer.put_string(f.detail);
  writer.put_string(f.where);
  writer.put(static_cast<uint8_t>(f.inline_allow));
  writer.put_string(f.allow_names);
}

bool get_finding(ByteReader& reader, BlobFinding& finding) {
  uint8_t severity = 0, inline_allow = 0;
  if (!(reader.get(finding.rule) && reader.get(finding.line) && reader.get(severity) && severity <= 1 &&
        reader.get(finding.secret_hash) && reader.get_string(finding.masked) && reader.get_string(finding.detail) &&
        reader.get_string(finding.where) && reader.get(inline_allow) &&
        inline_allow <= static_cast<uint8_t>(InlineAllow::kNamesOther) && reader.get_string(finding.allow_names)))
    return false;
  finding.severity = severity == 0 ? detect::Severity::kBlock : detect::Severity::kWarn;
  finding.inline_allow = static_cast<InlineAllow>(inline_allow);
  return true;
}

}  // namespace

void put_findings(ByteWriter& writer, const std::vector<BlobFinding>& findings) {
  writer.put(static_cast<uint32_t>(findings.size()));
  for (const auto& f : findings) put_finding(writer, f);
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
  writer.put(kFindingsFormat);
  put_findings(writer, findings);
  return std::move(writer.bytes());
}

bool decode_findings(std::string_view bytes, std::vector<BlobFinding>& findings) {
  ByteReader reader(bytes);
  uint8_t format = 0;
  return reader.get(format) && format == kFindingsFormat && get_findings(reader, findings) && reader.at_end();
}

std::string encode_commit_judgement(const CommitJudgement& judgement) {
  ByteWriter writer;
  writer.put(kFindingsFormat);
  writer.put(static_cast<uint32_t>(judgement.commit.parents.size()));
  for (const auto& parent : judgement.commit.parents) writer.put(parent.raw());
  writer.put_string(judgement.commit.summary);
  writer.put(judgement.files);
  writer.put(static_cast<uint32_t>(judgement.findings.size()));
  for (const auto& f : judgement.findings) {
    writer.put_string(f.path);
    put_finding(writer, f.finding);
  }
  return std::move(writer.bytes());
}

bool decode_commit_judgement(std::string_view bytes, CommitJudgement& judgement) {
  ByteReader reader(bytes);
  uint8_t format = 0;
  uint32_t parents = 0, count = 0;
  if (!(reader.get(format) && format == kFindingsFormat && reader.get(parents) && parents <= kMaxParents))
    return false;
  judgement.commit.parents.clear();
  for (uint32_t i = 0; i < parents; ++i) {
    git_oid parent;
    if (!reader.get(parent)) return false;
    judgement.commit.parents.emplace_back(parent);
  }
  if (!(reader.get_string(judgement.commit.summary) && reader.get(judgement.files) && reader.get(count) &&
        count <= kMaxFindings))
    return false;
  judgement.findings.clear();
  for (uint32_t i = 0; i < count; ++i) {
    CommitFinding f;
    if (!(reader.get_string(f.path) && get_finding(reader, f.finding))) return false;
    judgement.findings.push_back(std::move(f));
  }
  return reader.at_end();
}

}  // namespace refguard::engine
