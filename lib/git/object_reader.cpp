#include "git/object_reader.h"

#include <algorithm>
#include <iterator>

namespace refguard::git {

namespace {

int on_line(const git_diff_delta*, const git_diff_hunk*, const git_diff_line* line, void* payload) {
  if (line->origin == GIT_DIFF_LINE_ADDITION && line->new_lineno > 0)
    static_cast<std::vector<uint32_t>*>(payload)->push_back(static_cast<uint32_t>(line->new_lineno));
  return 0;
}

}  // namespace

std::vector<uint32_t> every_line(std::string_view content) {
  auto count = static_cast<uint32_t>(std::count(content.begin(), content.end(), '\n'));
  if (!content.empty() && content.back() != '\n') ++count;
  std::vector<uint32_t> lines(count);
  for (uint32_t i = 0; i < count; ++i) lines[i] = i + 1;
  return lines;
}

Expected<BlobPtr> ObjectReader::lookup(const std::string& blob_id, const std::string& path) {
  auto oid = parse_oid(blob_id);
  if (!oid) return std::unexpected(oid.error());
  git_blob* raw = nullptr;
  if (git_blob_lookup(&raw, view_, &*oid) != 0)
    return std::unexpected(libgit2_error("blob " + blob_id + " (" + path + ") is missing or corrupt"));
  return BlobPtr(raw);
}

Expected<BlobData> ObjectReader::read_blob(const std::string& blob_id, const std::string& path) {
  auto blob = lookup(blob_id, path);
  if (!blob) return std::unexpected(blob.error());
  auto size = static_cast<uint64_t>(git_blob_rawsize(blob->get()));
  if (bytes_read_ + size > max_bytes_)
    return fail("push brings more than " + std::to_string(max_bytes_ >> 20) +
                " MiB of new file content; refguard will not scan it in one push");
  bytes_read_ += size;
  BlobData data;
  data.content.assign(static_cast<const char*>(git_blob_rawcontent(blob->get())), size);
  data.binary = git_blob_is_binary(blob->get()) != 0;
  return data;
}

Expected<std::vector<uint32_t>> ObjectReader::added_lines(git_blob* base, git_blob* blob, const std::string& path) {
  git_diff_options options = GIT_DIFF_OPTIONS_INIT;
  options.context_lines = 0;
  options.interhunk_lines = 0;
  // The new blob is text (checked by the caller); a binary base it replaces
  // must not hide the new text's lines, so the diff treats both as text.
  options.flags |= GIT_DIFF_FORCE_TEXT;
  std::vector<uint32_t> lines;
  if (git_diff_blobs(base, nullptr, blob, nullptr, &options, nullptr, nullptr, nullptr, on_line, &lines) != 0)
    return std::unexpected(libgit2_error("cannot diff " + path));
  std::sort(lines.begin(), lines.end());
  return lines;
}

Expected<NewLines> ObjectReader::new_lines(const ChangedFile& file) {
  auto blob = lookup(file.blob_id, file.path);
  if (!blob) return std::unexpected(blob.error());
  NewLines result;
  if (git_blob_is_binary(blob->get())) {
    result.binary = true;
    return result;
  }
  std::string_view content(static_cast<const char*>(git_blob_rawcontent(blob->get())),
                           static_cast<size_t>(git_blob_rawsize(blob->get())));
  bool first = true;
  auto all = [&] { return every_line(content); };
  for (const auto& base_id : file.base_blob_ids) {
    std::vector<uint32_t> added;
    if (base_id.empty()) {
      added = all();
    } else {
      auto key = std::make_pair(base_id, file.blob_id);
      if (auto memo = diffs_.find(key); memo != diffs_.end()) {
        added = memo->second;
      } else {
        auto base = lookup(base_id, file.path + ", before this commit");
        if (!base) return std::unexpected(base.error());
        auto diffed = added_lines(base->get(), blob->get(), file.path);
        if (!diffed) return std::unexpected(diffed.error());
        added = diffs_.emplace(key, std::move(*diffed)).first->second;
      }
    }
    if (first) {
      result.lines = std::move(added);
      first = false;
    } else {
      std::vector<uint32_t> both;
      std::set_intersection(result.lines.begin(), result.lines.end(), added.begin(), added.end(),
                            std::back_inserter(both));
      result.lines = std::move(both);
    }
  }
  if (first) result.lines = all();  // a root commit: every line is new
  return result;
}

}  // namespace refguard::git
