#pragma once
// What a detector sees of one changed file: its path, its new content and the
// lines the change added. Views only: the push that built it owns the bytes
// and outlives every detector call.
#include <cstdint>
#include <string_view>
#include <vector>

namespace refguard::detect {

struct AddedLine {
  uint32_t number;        // 1-based line number in the new content
  std::string_view text;  // without the trailing newline
};

struct FileView {
  std::string_view path;      // repository-relative, '/'-separated
  std::string_view blob_id;   // hex object id of the new content ("" when unknown)
  std::string_view content;   // the whole new blob
  std::vector<AddedLine> added;  // in line order; all lines for a new file
  bool binary = false;        // git's binary detection; line rules skip binary files
  bool output = false;        // not code: a notebook cell's output or a Markdown cell
  // Text decoded from the blob rather than its own lines (UTF-16, text runs
  // of a binary file, base64, an archive member): a hit's line is 0.
  std::string_view decoded_from{};  // how it was decoded ("UTF-16LE", "base64", "archive member x.txt"); "" = raw
};

}  // namespace refguard::detect
