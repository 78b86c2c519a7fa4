// The binary form of findings (engine/finding_codec.h) that values in the
// shared Redis cache and the scan-cache file take: a blob's findings and a
// commit's judgement. Properties: no crash or overrun on any input; what
// decodes encodes back to exactly the same bytes (one form per value, so a
// value is never read as something it does not say); a count far larger
// than the bytes that follow is refused, not allocated.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/finding_codec.h"
#include "fuzz_support.h"

using namespace refguard::engine;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);  // a copy: ASan sees a read past it

  std::vector<BlobFinding> findings;
  if (decode_findings(bytes, findings)) {
    FUZZ_CHECK(encode_findings(findings) == bytes, "a blob's findings encode back to the same bytes");
    FUZZ_CHECK(findings.size() <= bytes.size(), "no finding without bytes");
  }
  CommitJudgement judgement;
  if (decode_commit_judgement(bytes, judgement)) {
    FUZZ_CHECK(encode_commit_judgement(judgement) == bytes, "a commit's judgement encodes back to the same bytes");
    FUZZ_CHECK(judgement.commit.parents.size() * 20 <= bytes.size(), "no parent without its 20 bytes");
  }
  return 0;
}
