#pragma once
// Which objects of a pack are its leading commits, from the pack's index and
// one byte per entry: git's pack-objects writes a pack's commits first (in
// the order it walked them, with the annotated tags of tagged tips among
// them), so a large push's commits can be read on
// several threads before the walk reaches them one by one
// (git/push_reader.cpp). Only a hint: anything that is not as expected (an
// index that is not version 2, offsets out of bounds, a file too large)
// gives fewer ids or none, never a wrong one: each id listed is an object of
// this pack whose entry says "commit".
#include <git2/oid.h>

#include <string>
#include <string_view>
#include <vector>

namespace refguard::git {

/// The ids of the commit entries at the start of the pack `pack_path`
/// (indexed by `index_path`), in pack order, up to the first entry that is
/// neither a commit nor an annotated tag; at most `max_commits` (more: none, the push is over its
/// limit anyway).
std::vector<git_oid> leading_commits(const std::string& index_path, const std::string& pack_path, size_t max_commits);

/// The same over an index and a pack in memory.
std::vector<git_oid> leading_commits(std::string_view index, std::string_view pack, size_t max_commits);

/// leading_commits() of every pack in `pack_dir` (a quarantine's objects/pack).
std::vector<git_oid> leading_commits_in(const std::string& pack_dir, size_t max_commits);

}  // namespace refguard::git
