#include "engine/scan_cache_file.h"

#include <cstring>

#include "engine/finding_codec.h"
#include "policy/builtin_policy.h"
#include "util/small_file.h"
#include "util/stable_hash.h"

namespace refguard::engine {

namespace {

constexpr char kMagic[8] = {'R', 'G', 'S', 'C', 'A', 'C', 'H', 'E'};
// Version 2: secret hashes are stable_hash values (version 1 had std::hash,
// which may differ between builds). Version 3: findings keep their inline-allow
// mark (kFindingsFormat 2).
constexpr uint32_t kVersion = 3;
constexpr size_t kMaxFileBytes = 1u << 30;

}  // namespace

std::string scan_cache_producer() {
  // Detector code changes with the version; the built-in rules with their text.
  return std::string("refguard " REFGUARD_VERSION " builtin ") +
         std::to_string(stable_hash(policy::builtin_policy_text())) + " findings " + std::to_string(kFindingsFormat);
}

Expected<size_t> save_scan_cache(const ScanCache& cache, const std::string& path) {
  ByteWriter writer;
  writer.bytes().append(kMagic, sizeof(kMagic));
  writer.put(kVersion);
  writer.put_string(scan_cache_producer());
  auto entries = cache.snapshot();
  writer.put(static_cast<uint64_t>(entries.size()));
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {  // oldest first: reloading keeps LRU order
    writer.put_string(it->first);
    put_findings(writer, *it->second);
  }
  writer.put(stable_hash(writer.bytes()));
  if (auto written = write_file_atomically(path, writer.bytes()); !written) return std::unexpected(written.error());
  return entries.size();
}

Expected<size_t> load_scan_cache(ScanCache& cache, const std::string& path) {
  auto read = read_small_file(path, kMaxFileBytes, "scan cache");  // refused from its size, unread
  if (!read) return fail(read.error().message + "; ignored");
  if (!*read) return size_t{0};  // no cache yet
  const std::string& data = **read;
  if (data.size() < sizeof(kMagic) + sizeof(uint64_t) || std::memcmp(data.data(), kMagic, sizeof(kMagic)) != 0)
    return fail(path + " is not a refguard scan cache; ignored");
  uint64_t stored = 0;
  std::memcpy(&stored, data.data() + data.size() - sizeof(stored), sizeof(stored));
  std::string_view body(data.data(), data.size() - sizeof(stored));
  if (stable_hash(body) != stored) return fail(path + " fails its checksum (torn or altered); ignored");
  ByteReader reader(body.substr(sizeof(kMagic)));
  uint32_t version = 0;
  std::string producer;
  uint64_t count = 0;
  if (!reader.get(version) || version != kVersion) return fail(path + " has another format version; ignored");
  if (!reader.get_string(producer) || producer != scan_cache_producer())
    return fail(path + " was written by another refguard build; ignored");
  if (!reader.get(count)) return fail(path + " is truncated; ignored");
  std::vector<std::pair<std::string, std::vector<BlobFinding>>> entries;
  for (uint64_t i = 0; i < count; ++i) {
    std::string key;
    std::vector<BlobFinding> list;
    if (!reader.get_string(key) || !get_findings(reader, list)) return fail(path + " is malformed; ignored");
    entries.emplace_back(std::move(key), std::move(list));
  }
  if (!reader.at_end()) return fail(path + " has trailing data; ignored");
  for (auto& [key, list] : entries)
    cache.insert(key, std::make_shared<const std::vector<BlobFinding>>(std::move(list)));
  return entries.size();
}

}  // namespace refguard::engine
