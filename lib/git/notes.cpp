#include "git/notes.h"

#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>

#include <algorithm>
#include <sstream>

#include "git/shared_permissions.h"

namespace refguard::git {

namespace {
using NotePtr = std::unique_ptr<git_note, HandleDeleter<git_note, git_note_free>>;
using SignaturePtr = std::unique_ptr<git_signature, HandleDeleter<git_signature, git_signature_free>>;
using IndexerPtr = std::unique_ptr<git_indexer, HandleDeleter<git_indexer, git_indexer_free>>;

// A libgit2 buffer, disposed of on every path.
struct OwnedBuffer {
  git_buf buffer = GIT_BUF_INIT;
  OwnedBuffer() = default;
  OwnedBuffer(const OwnedBuffer&) = delete;
  OwnedBuffer& operator=(const OwnedBuffer&) = delete;
  ~OwnedBuffer() { git_buf_dispose(&buffer); }
};

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

// The note's lines as they are under `notes_commit` (none without one).
std::vector<std::string> lines_of_note(git_repository* repository, git_commit* notes_commit, const git_oid* annotated) {
  if (!notes_commit) return {};
  auto note = acquire_or_null<NotePtr>(git_note_commit_read, repository, notes_commit, annotated);
  return note ? split(git_note_message(note.get())) : std::vector<std::string>{};
}

// A handle on the repository whose new objects stay in memory (libgit2's
// mempack, in front of the repository's own object stores) until they are
// written out as one pack: a push that leaves hundreds of warnings writes two
// files, not a loose object per note, tree and notes commit.
class InMemoryWrites {
 public:
  static Expected<InMemoryWrites> open(const std::string& git_dir) {
    InMemoryWrites writes;
    auto repository = acquire<RepositoryPtr>("cannot open " + git_dir + " to write notes", git_repository_open_bare,
                                             git_dir.c_str());
    if (!repository) return std::unexpected(repository.error());
    writes.repository_ = std::move(*repository);
    auto odb = acquire<OdbPtr>("cannot open the object database of " + git_dir, git_repository_odb,
                               writes.repository_.get());
    if (!odb) return std::unexpected(odb.error());
    writes.odb_ = std::move(*odb);
    git_odb_backend* backend = nullptr;
    if (git_mempack_new(&backend) != 0) return std::unexpected(libgit2_error("cannot hold notes in memory"));
    if (git_odb_add_backend(writes.odb_.get(), backend, 1000) != 0) {  // 1000: before every store git has
      backend->free(backend);
      return std::unexpected(libgit2_error("cannot hold notes in memory"));
    }
    writes.mempack_ = backend;  // owned by the object database from here on
    return writes;
  }

  git_repository* repository() const { return repository_.get(); }

  /// Writes what was created into objects/pack; returns the pack's and its
  /// index's paths relative to the git dir.
  Expected<std::vector<std::string>> write_pack() {
    OwnedBuffer pack;
    if (git_mempack_dump(&pack.buffer, repository_.get(), mempack_) != 0)
      return std::unexpected(libgit2_error("cannot pack the notes"));
    std::string pack_dir = std::string(git_repository_path(repository_.get())) + "objects/pack";
    git_indexer_options options;
    git_indexer_options_init(&options, GIT_INDEXER_OPTIONS_VERSION);
    auto indexer = acquire<IndexerPtr>("cannot write the notes pack", git_indexer_new, pack_dir.c_str(), 0u,
                                       static_cast<git_odb*>(nullptr), &options);
    if (!indexer) return std::unexpected(indexer.error());
    git_indexer_progress progress{};
    if (git_indexer_append(indexer->get(), pack.buffer.ptr, pack.buffer.size, &progress) != 0 ||
        git_indexer_commit(indexer->get(), &progress) != 0)
      return std::unexpected(libgit2_error("cannot write the notes pack"));
    std::string name = std::string("objects/pack/pack-") + git_indexer_name(indexer->get());
    return std::vector<std::string>{name + ".pack", name + ".idx"};
  }

 private:
  InMemoryWrites() = default;
  RepositoryPtr repository_;
  OdbPtr odb_;
  git_odb_backend* mempack_ = nullptr;
};

// The notes ref and the directories above it, relative to the git dir.
std::vector<std::string> ref_paths(const std::string& notes_ref) {
  std::vector<std::string> paths;
  for (size_t slash = notes_ref.find('/'); slash != std::string::npos; slash = notes_ref.find('/', slash + 1))
    paths.push_back(notes_ref.substr(0, slash));
  paths.push_back(notes_ref);
  return paths;
}

}  // namespace

NotesWritten add_notes(git_repository* repository, const std::string& notes_ref,
                       const std::map<ObjectId, std::vector<std::string>>& lines_by_commit) {
  NotesWritten written;
  auto failed = [&](const Error& error) {
    written.notes = 0;
    written.problems.push_back(error.message);
    return written;
  };
  const std::string git_dir = git_repository_path(repository);
  auto writes = InMemoryWrites::open(git_dir);
  if (!writes) return failed(writes.error());
  git_repository* repo = writes->repository();
  auto signature = acquire<SignaturePtr>("cannot make the notes signature", git_signature_now, "refguard",
                                         "refguard@localhost");
  if (!signature) return failed(signature.error());
  git_oid old_tip;
  bool had_notes = git_reference_name_to_id(&old_tip, repo, notes_ref.c_str()) == 0;
  CommitPtr notes_commit = had_notes ? acquire_or_null<CommitPtr>(git_commit_lookup, repo, &old_tip) : CommitPtr();
  if (had_notes && !notes_commit) return failed(libgit2_error(notes_ref + " does not name a commit"));
  // Each note changed is one notes commit on the last, as `git notes add` makes them.
  for (const auto& [commit, lines] : lines_by_commit) {
    if (!acquire_or_null<CommitPtr>(git_commit_lookup, repo, commit.get())) {
      written.problems.push_back("commit " + commit.hex() + " has not landed; no note written");
      continue;
    }
    std::vector<std::string> merged = lines_of_note(repo, notes_commit.get(), commit.get());
    size_t before = merged.size();
    for (const auto& line : lines)
      if (std::find(merged.begin(), merged.end(), line) == merged.end()) merged.push_back(line);
    if (merged.size() == before) continue;
    std::string message;
    for (const auto& line : merged) message += line + "\n";
    git_oid next, blob;
    if (git_note_commit_create(&next, &blob, repo, notes_commit.get(), signature->get(), signature->get(),
                               commit.get(), message.c_str(), 1) != 0)
      return failed(libgit2_error("cannot write the note on " + commit.hex()));
    notes_commit = acquire_or_null<CommitPtr>(git_commit_lookup, repo, &next);
    if (!notes_commit) return failed(libgit2_error("cannot read back the notes commit"));
    ++written.notes;
  }
  if (written.notes == 0) return written;
  // The objects land before the ref that reaches them moves.
  auto pack = writes->write_pack();
  if (!pack) return failed(pack.error());
  ReferencePtr moved = acquire_or_null<ReferencePtr>(
      git_reference_create_matching, repo, notes_ref.c_str(), git_commit_id(notes_commit.get()), had_notes ? 1 : 0,
      had_notes ? &old_tip : nullptr, "refguard: notes");
  if (!moved) return failed(libgit2_error("cannot move " + notes_ref + " (changed meanwhile?)"));
  std::vector<std::string> files = std::move(*pack);
  for (auto& path : ref_paths(notes_ref)) files.push_back(std::move(path));
  auto problems = share_like_git(git_dir, shared_mode_of(repository), files);
  if (!problems.empty()) written.problems.push_back("notes written, but " + problems.front());
  return written;
}

}  // namespace refguard::git
