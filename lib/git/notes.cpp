#include "git/notes.h"

#include <algorithm>
#include <sstream>

#include "git/shared_permissions.h"

namespace refguard::git {

namespace {
using NotePtr = std::unique_ptr<git_note, HandleDeleter<git_note, git_note_free>>;
using SignaturePtr = std::unique_ptr<git_signature, HandleDeleter<git_signature, git_signature_free>>;

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

std::string loose_object_path(const git_oid& id) {
  char hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, sizeof(hex), &id);
  return "objects/" + std::string(hex, 2) + "/" + std::string(hex + 2);
}

// What writing a note created: the note blob, the notes commit, its root tree
// and the fan-out subtrees on the annotated commit's path, each a loose object
// under objects/xx/, and the notes ref with the directories above it.
std::vector<std::string> files_of_note(git_repository* repository, const std::string& notes_ref, const git_oid& blob,
                                       const std::string& annotated_hex) {
  std::vector<git_oid> objects = {blob};
  git_oid commit_id;
  if (git_reference_name_to_id(&commit_id, repository, notes_ref.c_str()) == 0) {
    objects.push_back(commit_id);
    auto commit = acquire_or_null<CommitPtr>(git_commit_lookup, repository, &commit_id);
    TreePtr tree = commit ? acquire_or_null<TreePtr>(git_commit_tree, commit.get()) : TreePtr();
    for (size_t offset = 0; tree; offset += 2) {
      objects.push_back(*git_tree_id(tree.get()));
      if (offset + 2 >= annotated_hex.size()) break;
      const git_tree_entry* fanout = git_tree_entry_byname(tree.get(), annotated_hex.substr(offset, 2).c_str());
      if (!fanout || git_tree_entry_type(fanout) != GIT_OBJECT_TREE) break;
      tree = acquire_or_null<TreePtr>(git_tree_lookup, repository, git_tree_entry_id(fanout));
    }
  }
  std::vector<std::string> paths;
  for (const auto& id : objects) {
    std::string file = loose_object_path(id);
    paths.push_back(file.substr(0, file.rfind('/')));
    paths.push_back(file);
  }
  for (size_t slash = notes_ref.find('/'); slash != std::string::npos; slash = notes_ref.find('/', slash + 1))
    paths.push_back(notes_ref.substr(0, slash));
  paths.push_back(notes_ref);
  return paths;
}
}  // namespace

Expected<bool> add_note_lines(git_repository* repository, const std::string& notes_ref, const ObjectId& commit_id,
                              const std::vector<std::string>& lines) {
  const git_oid* oid = commit_id.get();
  if (!acquire_or_null<CommitPtr>(git_commit_lookup, repository, oid))
    return fail("commit " + commit_id.hex() + " has not landed; no note written");
  std::vector<std::string> merged;
  git_note* raw_note = nullptr;
  if (git_note_read(&raw_note, repository, notes_ref.c_str(), oid) == 0) {
    NotePtr note(raw_note);
    merged = split(git_note_message(raw_note));
  }
  size_t before = merged.size();
  for (const auto& line : lines)
    if (std::find(merged.begin(), merged.end(), line) == merged.end()) merged.push_back(line);
  if (merged.size() == before) return false;
  std::string message;
  for (const auto& line : merged) message += line + "\n";
  auto signature = acquire<SignaturePtr>("cannot make the notes signature", git_signature_now, "refguard",
                                         "refguard@localhost");
  if (!signature) return std::unexpected(signature.error());
  git_signature* raw_signature = signature->get();
  git_oid note_id;
  if (git_note_create(&note_id, repository, notes_ref.c_str(), raw_signature, raw_signature, oid, message.c_str(),
                      1) != 0)
    return std::unexpected(libgit2_error("cannot write the note on " + commit_id.hex()));
  const std::string git_dir = git_repository_path(repository);
  auto problems = share_like_git(git_dir, shared_mode_of(repository),
                                 files_of_note(repository, notes_ref, note_id, commit_id.hex()));
  if (!problems.empty()) return fail("note on " + commit_id.hex() + " written, but " + problems.front());
  return true;
}

}  // namespace refguard::git
