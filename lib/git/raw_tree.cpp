#include "git/raw_tree.h"

#include <algorithm>
#include <cstring>

#include "git/object_id.h"

namespace refguard::git {

int compare_tree_entries(const RawTreeEntry& a, const RawTreeEntry& b) {
  size_t common = std::min(a.name.size(), b.name.size());
  if (common > 0)  // memcmp's pointers must not be null, even for no bytes
    if (int order = std::memcmp(a.name.data(), b.name.data(), common); order != 0) return order;
  auto next = [common](const RawTreeEntry& e) -> unsigned {
    if (common < e.name.size()) return static_cast<unsigned char>(e.name[common]);
    return e.is_tree() ? '/' : 0;
  };
  return static_cast<int>(next(a)) - static_cast<int>(next(b));
}

namespace {

// A name from pushed bytes, fit for a message the pusher reads.
std::string shown_name(std::string_view name) {
  std::string shown;
  for (char c : name.substr(0, 100))
    shown += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
  return shown;
}

}  // namespace

void TreeCursor::stop_malformed(std::string why) {
  error_ = std::move(why);
  done_ = true;
}

void TreeCursor::advance() {
  if (rest_.empty()) {
    done_ = true;
    return;
  }
  // "<mode> ": octal digits, as libgit2 and git read them (a 16-bit value).
  uint32_t mode = 0;
  size_t digits = 0;
  while (digits < rest_.size() && rest_[digits] >= '0' && rest_[digits] <= '7') {
    mode = mode * 8 + static_cast<uint32_t>(rest_[digits] - '0');
    if (mode > 0xFFFF) return stop_malformed("an entry's mode is out of range");
    ++digits;
  }
  if (digits == 0 || digits >= rest_.size() || rest_[digits] != ' ')
    return stop_malformed("an entry does not start with an octal mode and a space");
  rest_.remove_prefix(digits + 1);
  // "<name>\0<20-byte id>"
  size_t nul = rest_.find('\0');
  if (nul == std::string_view::npos) return stop_malformed("an entry's name does not end");
  std::string_view name = rest_.substr(0, nul);
  if (rest_.size() - nul - 1 < GIT_OID_RAWSZ) return stop_malformed("an entry's id is cut short");
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos)
    return stop_malformed("an entry is named \"" + shown_name(name) +
                          "\" (empty, \".\", \"..\" or holding '/'; git fsck refuses it)");
  entry_.mode = mode;
  entry_.name = name;
  std::memcpy(entry_.id.id, rest_.data() + nul + 1, GIT_OID_RAWSZ);
  rest_.remove_prefix(nul + 1 + GIT_OID_RAWSZ);
}

RawTree::RawTree(OdbObjectPtr object) : object_(std::move(object)) {
  data_ = std::string_view(static_cast<const char*>(git_odb_object_data(object_.get())),
                           git_odb_object_size(object_.get()));
}

Expected<RawTree> RawTree::read(git_odb* odb, const git_oid& id, std::string_view path) {
  auto context = [&] {
    return "tree " + ObjectId(id).hex() + (path.empty() ? std::string() : " (" + std::string(path) + ")") +
           " is missing or corrupt";
  };
  auto object = acquire<OdbObjectPtr>(context, git_odb_read, odb, &id);
  if (!object) return std::unexpected(object.error());
  if (git_odb_object_type(object->get()) != GIT_OBJECT_TREE)
    return fail(context() + ": it is a " + git_object_type2string(git_odb_object_type(object->get())));
  return RawTree(std::move(*object));
}

}  // namespace refguard::git
