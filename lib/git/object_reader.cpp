#include "git/object_reader.h"

#include <algorithm>
#include <functional>
#include <iterator>
#include <optional>

#include <fmt/format.h>

#include "util/text.h"

namespace refguard::git {

namespace {

int on_line(const git_diff_delta*, const git_diff_hunk*, const git_diff_line* line, void* payload) {
  if (line->origin == GIT_DIFF_LINE_ADDITION && line->new_lineno > 0)
    static_cast<std::vector<uint32_t>*>(payload)->push_back(static_cast<uint32_t>(line->new_lineno));
  return 0;
}

}  // namespace

uint32_t count_lines(std::string_view content) {
  auto count = static_cast<uint32_t>(std::count(content.begin(), content.end(), '\n'));
  if (!content.empty() && content.back() != '\n') ++count;
  return count;
}

std::vector<uint32_t> every_line(std::string_view content) {
  uint32_t count = count_lines(content);
  std::vector<uint32_t> lines(count);
  for (uint32_t i = 0; i < count; ++i) lines[i] = i + 1;
  return lines;
}

namespace {

Error too_large_file(const std::string& path, uint64_t size) {
  return Error{fmt::format("{} is {} MiB; refguard reads files up to {} MiB and refuses larger ones unchecked "
                           "(keep large files in Git LFS)",
                           path, size >> 20, kMaxFileBytes >> 20)};
}

// `fits` may refuse the blob from its header size, before it is inflated.
// `known_size`: that size, when the header was read before.
Expected<BlobPtr> lookup_blob(git_repository* repository, const ObjectId& blob_id, const std::string& path,
                              const std::function<std::optional<Error>(uint64_t)>& fits,
                              std::optional<uint64_t> known_size) {
  auto header_size = known_size ? Expected<uint64_t>(*known_size) : blob_size(repository, blob_id, path);
  if (!header_size) return std::unexpected(header_size.error());
  if (*header_size > kMaxFileBytes) return std::unexpected(too_large_file(path, *header_size));
  if (fits)
    if (auto refused = fits(*header_size)) return std::unexpected(std::move(*refused));
  return acquire<BlobPtr>([&] { return "blob " + blob_id.hex() + " (" + path + ") is missing or corrupt"; },
                         git_blob_lookup, repository, blob_id.get());
}

BlobData hand_over(BlobPtr blob) {
  BlobData data;
  data.content = std::string_view(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                                  static_cast<size_t>(git_blob_rawsize(blob.get())));
  data.binary = looks_binary(data.content);
  data.blob = std::move(blob);
  return data;
}

}  // namespace

Expected<void> ObjectReader::admit_new_content(const std::vector<std::pair<ObjectId, std::string_view>>& blobs) {
  for (const auto& [blob, path] : blobs) {
    if (sizes_.contains(*blob.get())) continue;
    auto size = blob_size(view_, blob, path);
    if (!size) return std::unexpected(size.error());
    sizes_.emplace(*blob.get(), *size);
    admitted_bytes_ += *size;
    if (admitted_bytes_ > max_bytes_) return std::unexpected(too_much_content(max_bytes_));
  }
  return {};
}

Expected<uint64_t> blob_size(git_repository* repository, const ObjectId& oid, std::string_view path) {
  auto odb = acquire<OdbPtr>("cannot open the object database", git_repository_odb, repository);
  if (!odb) return std::unexpected(odb.error());
  size_t size = 0;
  git_object_t type = GIT_OBJECT_INVALID;
  if (git_odb_read_header(&size, &type, odb->get(), oid.get()) != 0)
    return std::unexpected(libgit2_error("blob " + oid.hex() + " (" + std::string(path) + ") is missing or corrupt"));
  if (type != GIT_OBJECT_BLOB) return fail("object " + oid.hex() + " (" + std::string(path) + ") is not a blob");
  return static_cast<uint64_t>(size);
}

std::optional<uint64_t> ObjectReader::known_size(const ObjectId& blob_id) const {
  auto found = sizes_.find(*blob_id.get());
  if (found == sizes_.end()) return std::nullopt;
  return found->second;
}

Expected<BlobData> read_blob_from(git_repository* repository, const ObjectId& blob_id, const std::string& path,
                                  std::optional<uint64_t> known_size) {
  auto blob = lookup_blob(repository, blob_id, path, {}, known_size);
  if (!blob) return std::unexpected(blob.error());
  return hand_over(std::move(*blob));
}

Error too_much_content(uint64_t max_bytes) {
  return Error{"push brings more than " + std::to_string(max_bytes >> 20) +
               " MiB of new file content (settings.max_push_mib; an admin can import a history with "
               "git push -o refguard.import, see the README)"};
}

Expected<BlobData> ObjectReader::read_blob(const ObjectId& blob_id, const std::string& path) {
  // The push limit is checked from the object header, before inflating.
  auto fits = [this](uint64_t size) -> std::optional<Error> {
    if (bytes_read_ + size > max_bytes_) return too_much_content(max_bytes_);
    return std::nullopt;
  };
  auto blob = lookup_blob(view_, blob_id, path, fits, known_size(blob_id));
  if (!blob) return std::unexpected(blob.error());
  auto size = static_cast<uint64_t>(git_blob_rawsize(blob->get()));
  if (bytes_read_ + size > max_bytes_) return std::unexpected(too_much_content(max_bytes_));
  bytes_read_ += size;
  return hand_over(std::move(*blob));
}

Expected<std::vector<uint32_t>> ObjectReader::added_lines(git_blob* base, git_blob* blob, const std::string& path) {
  git_diff_options options;
  git_diff_options_init(&options, GIT_DIFF_OPTIONS_VERSION);
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

Expected<ObjectReader::Source> ObjectReader::moved_from(const ObjectId& commit_id, size_t parent,
                                                        const std::string& path) {
  auto key = std::make_pair(commit_id, parent);
  auto memo = moves_.find(key);
  if (memo == moves_.end()) {
    auto moves = find_moves(commit_id, parent);
    if (!moves) return std::unexpected(moves.error());
    memo = moves_.emplace(key, std::move(*moves)).first;
  }
  auto found = memo->second.find(path);
  return found == memo->second.end() ? Source() : found->second;
}

Expected<ObjectReader::Trees> ObjectReader::trees_of(const ObjectId& commit_id, size_t parent) {
  git_commit* raw = nullptr;
  if (git_commit_lookup(&raw, view_, commit_id.get()) != 0)
    return std::unexpected(libgit2_error("commit " + commit_id.hex() + " is missing or corrupt"));
  CommitPtr commit(raw);
  git_commit* raw_parent = nullptr;
  git_tree* raw_tree = nullptr;
  git_tree* raw_parent_tree = nullptr;
  if (git_commit_parent(&raw_parent, raw, static_cast<unsigned>(parent)) != 0)
    return std::unexpected(libgit2_error("a parent of commit " + commit_id.hex() + " is missing or corrupt"));
  CommitPtr parent_commit(raw_parent);
  if (git_commit_tree(&raw_tree, raw) != 0 || git_commit_tree(&raw_parent_tree, raw_parent) != 0) {
    git_tree_free(raw_tree);
    return std::unexpected(libgit2_error("a tree of commit " + commit_id.hex() + " is missing or corrupt"));
  }
  return Trees{TreePtr(raw_parent_tree), TreePtr(raw_tree)};
}

Expected<std::string> ObjectReader::path_in_parent_tree(const ObjectId& commit_id, size_t parent,
                                                        const ObjectId& blob) {
  auto key = std::make_pair(commit_id, parent);
  auto memo = parent_blobs_.find(key);
  if (memo == parent_blobs_.end()) {
    auto trees = trees_of(commit_id, parent);
    if (!trees) return std::unexpected(trees.error());
    OidSet blobs;
    auto collect = [](const char*, const git_tree_entry* entry, void* payload) -> int {
      if (git_tree_entry_type(entry) == GIT_OBJECT_BLOB)
        static_cast<OidSet*>(payload)->insert(*git_tree_entry_id(entry));
      return 0;
    };
    if (git_tree_walk(trees->before.get(), GIT_TREEWALK_PRE, collect, &blobs) != 0)
      return std::unexpected(libgit2_error("cannot read the tree before commit " + commit_id.hex()));
    memo = parent_blobs_.emplace(key, std::move(blobs)).first;
  }
  if (!memo->second.contains(blob.raw())) return std::string();
  // Found (rare: an exact copy of a file the commit left alone): walk once
  // more for its path, rather than keep every path of every tree.
  auto trees = trees_of(commit_id, parent);
  if (!trees) return std::unexpected(trees.error());
  struct Search {
    git_oid wanted;
    std::string path;
  } search{blob.raw(), {}};
  auto find = [](const char* root, const git_tree_entry* entry, void* payload) -> int {
    auto* state = static_cast<Search*>(payload);
    if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB || !git_oid_equal(git_tree_entry_id(entry), &state->wanted))
      return 0;
    state->path = std::string(root) + git_tree_entry_name(entry);
    return -1;  // stops the walk
  };
  git_tree_walk(trees->before.get(), GIT_TREEWALK_PRE, find, &search);
  return search.path;
}

Expected<std::map<std::string, ObjectReader::Source>> ObjectReader::find_moves(const ObjectId& commit_id,
                                                                               size_t parent) {
  auto trees = trees_of(commit_id, parent);
  if (!trees) return std::unexpected(trees.error());
  git_diff* raw_diff = nullptr;
  git_diff_options options;
  git_diff_options_init(&options, GIT_DIFF_OPTIONS_VERSION);
  if (git_diff_tree_to_tree(&raw_diff, view_, trees->before.get(), trees->after.get(), &options) != 0)
    return std::unexpected(libgit2_error("cannot diff commit " + commit_id.hex()));
  DiffPtr diff(raw_diff);
  git_diff_find_options find;
  git_diff_find_options_init(&find, GIT_DIFF_FIND_OPTIONS_VERSION);
  find.flags = GIT_DIFF_FIND_RENAMES | GIT_DIFF_FIND_COPIES;
  if (git_diff_find_similar(diff.get(), &find) != 0)
    return std::unexpected(libgit2_error("cannot detect renames in commit " + commit_id.hex()));
  std::map<std::string, Source> moves;
  for (size_t i = 0, count = git_diff_num_deltas(diff.get()); i < count; ++i) {
    const git_diff_delta& delta = *git_diff_get_delta(diff.get(), i);
    if (delta.status == GIT_DELTA_RENAMED || delta.status == GIT_DELTA_COPIED)
      moves.emplace(delta.new_file.path, Source{ObjectId(delta.old_file.id), delta.old_file.path});
  }
  return moves;
}

Expected<ParentLines> ObjectReader::lines_from_parent(const FileChange& file, const ObjectId& commit_id, size_t parent,
                                                      git_blob* blob, std::string_view content) {
  ParentLines from;
  Source source{file.bases[parent], parent < file.moved_from.size() ? file.moved_from[parent] : std::string()};
  if (source.blob.is_zero()) {
    auto moved = moved_from(commit_id, parent, file.path);
    if (!moved) return std::unexpected(moved.error());
    source = std::move(*moved);
  }
  if (source.blob.is_zero()) {
    // A copy of a file the commit left as it was: git's similarity search
    // looks at changed files only, so look for the very blob in the
    // parent's tree (a tree walk, no blob read).
    auto copied = path_in_parent_tree(commit_id, parent, file.blob);
    if (!copied) return std::unexpected(copied.error());
    if (!copied->empty()) source = Source{file.blob, std::move(*copied)};
  }
  from.moved_from = std::move(source.path);
  from.changed = source.blob != file.blob;
  if (!from.changed || looks_binary(content)) return from;  // nothing new, or no lines to tell
  if (source.blob.is_zero()) {
    from.added = every_line(content);
    return from;
  }
  auto key = std::make_pair(source.blob, file.blob);
  if (auto memo = diffs_.find(key); memo != diffs_.end()) {
    from.added = memo->second;
    return from;
  }
  auto base = lookup_blob(view_, source.blob, file.path + ", before this commit", {}, known_size(source.blob));
  if (!base) return std::unexpected(base.error());
  auto diffed = added_lines(base->get(), blob, file.path);
  if (!diffed) return std::unexpected(diffed.error());
  from.added = diffs_.emplace(key, std::move(*diffed)).first->second;
  return from;
}

Expected<NewLines> ObjectReader::new_lines(const FileChange& file, const ObjectId& commit_id) {
  auto blob = lookup_blob(view_, file.blob, file.path, {}, known_size(file.blob));
  if (!blob) return std::unexpected(blob.error());
  NewLines result;
  std::string_view content(static_cast<const char*>(git_blob_rawcontent(blob->get())),
                           static_cast<size_t>(git_blob_rawsize(blob->get())));
  result.binary = looks_binary(content);
  if (!result.binary) result.line_count = count_lines(content);
  for (size_t parent = 0; parent < file.bases.size(); ++parent) {
    auto from = lines_from_parent(file, commit_id, parent, blob->get(), content);
    if (!from) return std::unexpected(from.error());
    result.parents.push_back(std::move(*from));
  }
  if (result.binary) return result;
  if (result.parents.empty()) {
    result.lines = every_line(content);  // a root commit: every line is new
    return result;
  }
  result.lines = result.parents.front().added;
  for (size_t parent = 1; parent < result.parents.size(); ++parent) {
    const auto& added = result.parents[parent].added;
    std::vector<uint32_t> both;
    std::set_intersection(result.lines.begin(), result.lines.end(), added.begin(), added.end(),
                          std::back_inserter(both));
    result.lines = std::move(both);
  }
  return result;
}

bool NewLines::is_new(uint32_t line, const std::function<bool(const std::string& path)>& looked_at) const {
  // The parents that count: relative to the others the content is all new,
  // since it came from where this check never looked.
  std::vector<const ParentLines*> judged;
  for (const auto& from : parents)
    if (from.moved_from.empty() || looked_at(from.moved_from)) judged.push_back(&from);
  if (binary) return std::all_of(judged.begin(), judged.end(), [](const ParentLines* from) { return from->changed; });
  if (line > 0)
    return std::all_of(judged.begin(), judged.end(), [&](const ParentLines* from) {
      return std::binary_search(from->added.begin(), from->added.end(), line);
    });
  // The file as a whole: new when some line is new relative to every parent that counts.
  if (judged.size() == parents.size()) return !lines.empty();
  if (judged.empty()) return line_count > 0;
  std::vector<uint32_t> common = judged.front()->added;
  for (size_t i = 1; i < judged.size() && !common.empty(); ++i) {
    std::vector<uint32_t> both;
    std::set_intersection(common.begin(), common.end(), judged[i]->added.begin(), judged[i]->added.end(),
                          std::back_inserter(both));
    common = std::move(both);
  }
  return !common.empty();
}

}  // namespace refguard::git
