#include "detect/model/file_scan.h"

#include <fmt/format.h>

#include <limits>

#include "detect/model/content_sniffer.h"
#include "detect/model/inflate_stream.h"
#include "detect/model/npy_header.h"
#include "detect/model/pickle_opcodes.h"
#include "detect/model/pickle_report.h"
#include "detect/model/safetensors_check.h"

namespace refguard::detect::model {

namespace {

std::string context(const Location& at) {
  std::string text;
  if (!at.member.empty()) text += " in archive member " + at.member;
  if (!at.container.empty()) text += " (" + at.container + ")";
  return text;
}

// Lets an InflateStream read what a StreamReader has not consumed yet.
class ReaderStream final : public ByteStream {
 public:
  explicit ReaderStream(StreamReader& reader) : reader_(reader) {}
  size_t read(void* out, size_t n) override { return reader_.read_some(out, n); }
  std::string error() const override {
    auto failure = reader_.failure();
    return failure == StreamReader::Failure::kEnd || failure == StreamReader::Failure::kNone ? "" : reader_.failure_text();
  }

 private:
  StreamReader& reader_;
};

}  // namespace

FileScan::FileScan(const ModelScanner& scanner, std::vector<Hit>& hits)
    : scanner_(scanner), hits_(hits), budget_{scanner.options().max_scan_bytes} {}

void FileScan::add(Severity severity, std::string detail, const Location& at) {
  Hit hit;
  hit.detail = std::move(detail) + context(at);
  hit.where = at.member;
  hit.severity = severity;
  std::vector<Hit> one{std::move(hit)};
  add_all(one);
}

void FileScan::add_all(std::vector<Hit>& found) {
  for (auto& hit : found) {
    if (added_ < kMaxHits) {
      hits_.push_back(std::move(hit));
      ++added_;
    } else {
      ++dropped_;
      dropped_block_ = dropped_block_ || hit.severity == Severity::kBlock;
    }
  }
}

void FileScan::finish() {
  if (dropped_ == 0) return;
  Hit hit;
  hit.detail = fmt::format("{} more model findings not listed", dropped_);
  hit.severity = dropped_block_ ? Severity::kBlock : Severity::kWarn;
  hits_.push_back(std::move(hit));
}

void FileScan::source(const ByteSource& input, const Location& at) {
  if (input.size() == 0 || at.depth > kMaxDepth) return;
  char head[kSniffSize];
  std::string_view view(head, input.read(0, head, sizeof(head)));
  ContentKind kind = sniff(view, input.size());
  if (kind == ContentKind::kZip) return zip(input, at);
  if (kind == ContentKind::kSafetensors || has_safetensors_name(at.name)) return safetensors(input, at);
  SourceStream bytes(input);
  stream(bytes, at);
}

void FileScan::stream(ByteStream& input, const Location& at) {
  StreamReader reader(input, budget_);
  char head[kSniffSize];
  std::string_view view(head, reader.peek(head, sizeof(head)));
  bool pickle_name = has_pickle_name(at.name);
  uint64_t size = reader.remaining().value_or(std::numeric_limits<uint64_t>::max());
  ContentKind kind = sniff(view, size);
  // A zlib header is two bytes that plenty of text matches ("(S" is one): believe it only if zlib does.
  if ((kind == ContentKind::kZlib && !inflates(view, InflateFormat::kZlib)) ||
      (kind == ContentKind::kGzip && !inflates(view, InflateFormat::kGzip)))
    kind = sniff(view, size, false);
  switch (kind) {
    case ContentKind::kNpy: return npy(reader, at);
    case ContentKind::kPickle: return pickles(reader, view, at, pickle_name || is_legacy_torch(view));
    case ContentKind::kMaybePickle: return pickles(reader, view, at, pickle_name);
    case ContentKind::kGzip: return compressed(reader, true, at);
    case ContentKind::kZlib: return compressed(reader, false, at);
    case ContentKind::kUninspectable:
      if (pickle_name)
        add(Severity::kWarn,
            fmt::format("cannot inspect: the file is {}-compressed; refguard reads only zlib and gzip",
                        compression_name(view)),
            at);
      return;
    case ContentKind::kZip:
      if (pickle_name || has_model_archive_name(at.name))
        add(Severity::kWarn, "cannot inspect: a zip archive stored compressed inside another", at);
      return;
    case ContentKind::kSafetensors: return;  // compressed inside an archive: nothing loads it from there
    case ContentKind::kNone:
      if (pickle_name) return pickles(reader, view, at, true);  // named a pickle, yet not one: fail closed
      return;
  }
}

void FileScan::zip(const ByteSource& input, const Location& at) {
  auto archive = ZipArchive::open(input);
  if (!archive) {
    // torch.load and np.load would refuse it too, but only a model's name makes that our business.
    if (has_model_archive_name(at.name))
      add(Severity::kBlock, "cannot parse the model's zip archive: " + archive.error().message, at);
    return;
  }
  for (const auto& entry : archive->entries()) zip_member(input, *archive, entry, at);
}

void FileScan::zip_member(const ByteSource& input, const ZipArchive& archive, const ZipEntry& entry,
                          const Location& at) {
  if (entry.name.empty() || entry.name.ends_with('/')) return;
  Location inner{entry.name, at.member.empty() ? entry.name : at.member + "!" + entry.name, at.container, at.depth + 1};
  bool candidate = has_pickle_name(entry.name) || has_npy_name(entry.name);
  if (entry.encrypted() || (entry.method != 0 && entry.method != 8)) {
    if (candidate)
      add(Severity::kWarn,
          entry.encrypted() ? std::string("cannot inspect: the member is encrypted")
                            : fmt::format("cannot inspect: the member uses zip compression method {}", entry.method),
          inner);
    return;
  }
  auto offset = archive.data_offset(entry);
  if (!offset) {
    if (candidate) add(Severity::kBlock, "cannot read the member: " + offset.error().message, inner);
    return;
  }
  if (entry.method == 0) {
    SliceSource member(input, *offset, entry.compressed_size);
    return source(member, inner);
  }
  if (inner.depth > kMaxDepth) return;
  SourceStream raw(input, *offset, *offset + entry.compressed_size);
  InflateStream inflated(raw, InflateFormat::kRaw);
  stream(inflated, inner);
}

void FileScan::safetensors(const ByteSource& input, const Location& at) {
  if (auto ok = check_safetensors(input); !ok)
    add(Severity::kBlock, "safetensors header is invalid: " + ok.error().message, at);
}

void FileScan::npy(StreamReader& reader, const Location& at) {
  auto header = read_npy_header(reader);
  if (!header) return add(Severity::kBlock, "cannot parse the .npy header: " + header.error().message, at);
  if (!header->object_dtype) return;  // plain numbers: nothing is executed on load
  Location inner = at;
  inner.container = fmt::format("object array, dtype {}", header->descr);
  char head[kSniffSize];
  pickles(reader, std::string_view(head, reader.peek(head, sizeof(head))), inner, true);
}

void FileScan::compressed(StreamReader& reader, bool gzip, const Location& at) {
  if (at.depth >= kMaxDepth) return;
  ReaderStream raw(reader);
  InflateStream inflated(raw, gzip ? InflateFormat::kGzip : InflateFormat::kZlib);
  // The name still applies: "model.pkl.gz" and a zlib-compressed "model.joblib" hold pickles.
  Location inner = at;
  inner.container = gzip ? "gzip-compressed data" : "zlib-compressed data";
  inner.depth = at.depth + 1;
  stream(inflated, inner);
}

void FileScan::pickles(StreamReader& reader, std::string_view head, const Location& at, bool strict) {
  // Legacy torch.save writes five pickles (magic, protocol, sys info, data, storage keys), then raw storages.
  bool legacy = is_legacy_torch(head);
  int strict_count = legacy ? 5 : strict ? 1 : 0;
  // The first pickle is scanned even when there is no data: a strict scan then reports why.
  for (int index = 0; index < kMaxPickles && (index == 0 || !reader.at_end()); ++index) {
    if (legacy && index == strict_count) break;
    bool strict_one = index < strict_count;
    if (!strict_one && index > 0) {
      // Anything after the first pickle is only probed: trailing data need not be a pickle.
      uint8_t next = 0;
      if (reader.peek(&next, 1) != 1 || opcode_name(next).empty()) break;
    }
    uint64_t begin = reader.offset();
    PickleResult result = scan_pickle(reader, scanner_.options().pickle);
    PickleSite site{at.member, context(at)};
    if (index > 0) {
      std::string nth = fmt::format("pickle #{} at byte {}", index + 1, begin);
      site.where = site.where.empty() ? nth : site.where + ", " + nth;
      site.context += " (" + nth + ")";
    }
    std::vector<Hit> found;
    report_pickle(result, scanner_.policy(), site, strict_one, found);
    add_all(found);
    if (result.error) break;
  }
}

}  // namespace refguard::detect::model
