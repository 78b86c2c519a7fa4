#include "bench_files.h"

#include <fmt/format.h>
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace refguard::bench {

namespace {

using namespace std::string_literals;

struct FileCloser {
  void operator()(std::FILE* file) const noexcept { std::fclose(file); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

File create(const std::string& path) {
  File file(std::fopen(path.c_str(), "wb"));
  if (!file) throw std::runtime_error("cannot create " + path);
  return file;
}

void put(std::FILE* file, std::string_view bytes) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), file) != bytes.size()) throw std::runtime_error("write failed");
}

std::string le(uint64_t value, int width) {
  std::string out;
  for (int i = 0; i < width; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  return out;
}

std::string short_unicode(std::string_view text) { return "\x8c" + le(text.size(), 1) + std::string(text); }

// torch.save's data.pkl for a state dict, protocol 2: OrderedDict of
// _rebuild_tensor_v2(BINPERSID storage, 0, (n,), (1,), False, OrderedDict()).
std::string state_dict_pickle(int tensors, uint64_t floats_per_tensor) {
  std::string p = "\x80\x02" "ccollections\nOrderedDict\nq\x00)Rq\x01("s;
  for (int i = 0; i < tensors; ++i) {
    std::string key = fmt::format("layers.{}.weight", i);
    p += "X" + le(key.size(), 4) + key;
    p += "ctorch._utils\n_rebuild_tensor_v2\n(";
    p += "(X\x07\x00\x00\x00storagectorch\nFloatStorage\n"s;
    std::string id = std::to_string(i);
    p += "X" + le(id.size(), 4) + id + "X\x03\x00\x00\x00" "cpu" "J"s + le(floats_per_tensor, 4) + "tQ";
    p += "K\x00J"s + le(floats_per_tensor, 4) + "\x85K\x01\x85\x89" "ccollections\nOrderedDict\n)RtR";
  }
  p += "u.";
  return p;
}

struct CentralEntry {
  std::string name;
  uint32_t crc;
  uint64_t size;
  uint64_t offset;
};

void stored_member(std::FILE* file, std::vector<CentralEntry>& entries, uint64_t& offset, const std::string& name,
                   const std::string& data) {
  uint32_t crc = static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
  std::string header = "PK\x03\x04" + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(crc, 4) + le(data.size(), 4) +
                       le(data.size(), 4) + le(name.size(), 2) + le(0, 2) + name;
  put(file, header);
  put(file, data);
  entries.push_back({name, crc, data.size(), offset});
  offset += header.size() + data.size();
}

}  // namespace

uint64_t write_torch_zip(const std::string& path, uint64_t total_bytes, int tensors) {
  File file = create(path);
  uint64_t tensor_bytes = total_bytes / static_cast<uint64_t>(tensors) / 4 * 4;
  std::vector<CentralEntry> entries;
  uint64_t offset = 0;
  stored_member(file.get(), entries, offset, "archive/data.pkl", state_dict_pickle(tensors, tensor_bytes / 4));
  std::mt19937_64 random(42);
  std::string data(tensor_bytes, '\0');
  for (int i = 0; i < tensors; ++i) {
    for (size_t at = 0; at + 8 <= data.size(); at += 8) {
      uint64_t word = random();
      std::memcpy(data.data() + at, &word, 8);
    }
    stored_member(file.get(), entries, offset, fmt::format("archive/data/{}", i), data);
  }
  stored_member(file.get(), entries, offset, "archive/version", "3\n");
  uint64_t directory_offset = offset;
  std::string directory;
  for (const auto& e : entries)
    directory += "PK\x01\x02" + le(20, 2) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(e.crc, 4) + le(e.size, 4) +
                 le(e.size, 4) + le(e.name.size(), 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) +
                 le(e.offset, 4) + e.name;
  put(file.get(), directory);
  put(file.get(), "PK\x05\x06" + le(0, 4) + le(entries.size(), 2) + le(entries.size(), 2) + le(directory.size(), 4) +
                      le(directory_offset, 4) + le(0, 2));
  return directory_offset + directory.size() + 22;
}

uint64_t write_payload_pickle(const std::string& path, uint64_t total_bytes, uint64_t payload_bytes) {
  File file = create(path);
  put(file.get(), "\x80\x04}\x94(");
  uint64_t written = 4;
  std::string payload(payload_bytes, '\x5a');
  for (uint64_t i = 0; written + payload_bytes < total_bytes; ++i) {
    std::string head = short_unicode(fmt::format("array_{}", i)) + "\x8e" + le(payload_bytes, 8);
    put(file.get(), head);
    put(file.get(), payload);
    written += head.size() + payload_bytes;
  }
  put(file.get(), "u.");
  return written + 2;
}

uint64_t write_dense_pickle(const std::string& path, uint64_t total_bytes) {
  File file = create(path);
  put(file.get(), "\x80\x02]q\x00"s);
  uint64_t written = 5;
  std::string batch = "(";
  for (int i = 0; i < 1000; ++i) batch += i % 2 ? "K" + le(static_cast<uint64_t>(i % 256), 1) : "G" + le(0x3ff0000000000000, 8);
  batch += "e";
  while (written + batch.size() < total_bytes) {
    put(file.get(), batch);
    written += batch.size();
  }
  put(file.get(), ".");
  return written + 1;
}

}  // namespace refguard::bench
