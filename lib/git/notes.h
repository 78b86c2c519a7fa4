#pragma once
// Git notes that keep refguard's warnings attached to the commits they are
// about (Gitea and `git log --notes=refguard` show them). Adding lines to a
// commit that already has a note merges them: a line is never written twice.
#include <map>
#include <string>
#include <vector>

#include "git/handles.h"
#include "git/object_id.h"

namespace refguard::git {

struct NotesWritten {
  size_t notes = 0;                   // notes added or extended
  std::vector<std::string> problems;  // commits skipped, or why nothing was written
};

/// Adds each commit's `lines` to its note under `notes_ref`: one notes commit
/// per note changed, as `git notes add` would make them, all of their objects
/// written as one pack, then the ref moved once (only if nobody moved it
/// meanwhile). A commit that is not in `repository` (notes are written only
/// for commits that landed) is skipped and named in `problems`; any other
/// failure writes nothing.
NotesWritten add_notes(git_repository* repository, const std::string& notes_ref,
                       const std::map<ObjectId, std::vector<std::string>>& lines_by_commit);

}  // namespace refguard::git
