#pragma once
// Git notes that keep refguard's warnings attached to the commits they are
// about (Gitea and `git log --notes=refguard` show them). Adding lines to a
// commit that already has a note merges them: a line is never written twice.
#include <string>
#include <vector>

#include "git/handles.h"
#include "git/object_id.h"
#include "util/error.h"

namespace refguard::git {

/// Adds `lines` to the note on `commit` under `notes_ref`. The commit must
/// exist in `repository` (notes are written only for objects that landed).
/// Returns false when nothing changed.
Expected<bool> add_note_lines(git_repository* repository, const std::string& notes_ref, const ObjectId& commit,
                              const std::vector<std::string>& lines);

}  // namespace refguard::git
