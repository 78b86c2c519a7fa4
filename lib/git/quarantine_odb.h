#pragma once
// The object database a push is read through: the push's quarantine (loose
// objects and packs git-receive-pack wrote but has not yet moved in) in front
// of the cached repository's own object database. The cached repository is
// never modified: the quarantine is deleted when the push ends.
#include <string>

#include "git/handles.h"
#include "util/error.h"

namespace refguard::git {

/// `base` is borrowed and must outlive the returned repository; null: the
/// quarantine alone. `quarantine_dir` may be empty (no quarantine: e.g. the
/// CLI scanning committed history).
/// Returns a repository with no refs and no work tree, only objects.
Expected<RepositoryPtr> open_push_view(git_odb* base, const std::string& quarantine_dir);

/// The same view, reading the repository's object directory `objects_dir`
/// (and its alternates) itself rather than through another object database:
/// for a thread of its own. An object read through `open_push_view`'s
/// forwarding is copied once more and cached twice; this view reads it
/// straight from the files.
Expected<RepositoryPtr> open_push_view_on(const std::string& objects_dir, const std::string& quarantine_dir);

/// The quarantine's objects alone (what the push brought), as a repository
/// with no refs, to tell new objects from old without asking the repository
/// (a large push's pack answers from its index in memory, where the
/// repository's loose objects cost a file-system lookup per miss) and to read
/// them in the same lookup.
Expected<RepositoryPtr> open_quarantine(const std::string& quarantine_dir);

}  // namespace refguard::git
