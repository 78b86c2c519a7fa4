#include "engine/prefilter_disk_cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <vector>

#include "util/small_file.h"
#include "util/stable_hash.h"

namespace refguard::engine {

namespace {

constexpr std::string_view kMagic = "refguard prefilter database 1\n";
constexpr size_t kMaxEntryBytes = 256u << 20;
constexpr size_t kMaxEntries = 32;

std::mutex directory_mutex;
std::string cache_directory;  // guarded by directory_mutex; "" = off

std::string directory() {
  std::lock_guard lock(directory_mutex);
  return cache_directory;
}

// Ours alone: a directory others could write to could hand us a database.
bool private_directory(const std::string& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) return false;
  return info.st_uid == ::geteuid() && (info.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

// The directory to write into, made (0700) on first use; "" when unusable.
std::string writable_directory() {
  std::string dir = directory();
  if (dir.empty()) return dir;
  std::error_code error;
  if (std::filesystem::create_directories(dir, error)) ::chmod(dir.c_str(), 0700);
  return private_directory(dir) ? dir : "";
}

// One file per distinct input; the name is only where to look.
std::string entry_path(const std::string& dir, std::string_view inputs) {
  return fmt::format("{}/prefilter-{:016x}.hsdb", dir, stable_hash(inputs));
}

void prune(const std::string& dir) {
  std::error_code error;
  std::vector<std::pair<std::filesystem::file_time_type, std::filesystem::path>> entries;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const auto& path = entry.path();
    if (path.extension() != ".hsdb" || !path.filename().string().starts_with("prefilter-")) continue;
    entries.emplace_back(entry.last_write_time(error), path);
  }
  if (entries.size() <= kMaxEntries) return;
  std::sort(entries.begin(), entries.end());
  for (size_t i = 0; i + kMaxEntries < entries.size(); ++i) std::filesystem::remove(entries[i].second, error);
}

}  // namespace

void set_prefilter_disk_cache(const std::string& dir) {
  std::lock_guard lock(directory_mutex);
  cache_directory = dir;
}

std::string default_prefilter_disk_cache() {
  if (std::getenv("REFGUARD_NO_CACHE")) return "";
  // Only under a directory of this user's own: `sudo refguard scan` keeps
  // the caller's HOME, and root must not leave files in it.
  auto own = [](const char* dir) {
    struct stat info {};
    return dir && *dir == '/' && ::stat(dir, &info) == 0 && info.st_uid == ::geteuid();
  };
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); own(xdg)) return std::string(xdg) + "/refguard";
  if (const char* home = std::getenv("HOME"); own(home)) return std::string(home) + "/.cache/refguard";
  return "";
}

hs_database_t* load_prefilter_database(std::string_view inputs) {
  std::string dir = directory();
  if (dir.empty() || !private_directory(dir)) return nullptr;
  auto read = read_small_file(entry_path(dir, inputs), kMaxEntryBytes, "prefilter database");
  if (!read || !*read) return nullptr;
  std::string_view bytes = **read;
  // magic, the inputs' length (8 bytes), the inputs, the serialized database
  if (!bytes.starts_with(kMagic)) return nullptr;
  bytes.remove_prefix(kMagic.size());
  uint64_t length = 0;
  if (bytes.size() < sizeof(length)) return nullptr;
  std::memcpy(&length, bytes.data(), sizeof(length));
  bytes.remove_prefix(sizeof(length));
  if (length != inputs.size() || bytes.size() < length || bytes.substr(0, length) != inputs) return nullptr;
  bytes.remove_prefix(length);
  hs_database_t* database = nullptr;
  if (hs_deserialize_database(bytes.data(), bytes.size(), &database) != HS_SUCCESS) return nullptr;
  return database;
}

void store_prefilter_database(std::string_view inputs, const hs_database_t* database) {
  std::string dir = writable_directory();
  if (dir.empty()) return;
  char* serialized = nullptr;
  size_t size = 0;
  if (hs_serialize_database(database, &serialized, &size) != HS_SUCCESS) return;
  std::string bytes(kMagic);
  uint64_t length = inputs.size();
  bytes.append(reinterpret_cast<const char*>(&length), sizeof(length));
  bytes.append(inputs);
  bytes.append(serialized, size);
  std::free(serialized);  // Vectorscan's default allocator
  if (write_file_atomically(entry_path(dir, inputs), bytes)) prune(dir);
}

}  // namespace refguard::engine
