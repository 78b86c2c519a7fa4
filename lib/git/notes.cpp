#include "git/notes.h"

#include <algorithm>
#include <sstream>

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
  return true;
}

}  // namespace refguard::git
