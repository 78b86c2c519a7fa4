#include "git/quarantine_odb.h"

#include <git2/sys/odb_backend.h>

#include <cstring>
#include <new>

namespace refguard::git {

namespace {

// A read-only backend forwarding every read to another odb. libgit2 calls
// these with the backend pointer it was given, which is the first member.
struct ForwardingBackend {
  git_odb_backend parent;
  git_odb* target;
};

git_odb* target_of(git_odb_backend* backend) { return reinterpret_cast<ForwardingBackend*>(backend)->target; }

// Copies an object's data into a buffer libgit2 owns and will free.
int copy_out(git_odb_backend* backend, git_odb_object* object, void** data, size_t* length, git_object_t* type) {
  *length = git_odb_object_size(object);
  *type = git_odb_object_type(object);
  *data = git_odb_backend_data_alloc(backend, *length);
  if (*data == nullptr && *length != 0) return -1;
  if (*length != 0) std::memcpy(*data, git_odb_object_data(object), *length);
  return 0;
}

int forward_read(void** data, size_t* length, git_object_t* type, git_odb_backend* backend, const git_oid* oid) {
  git_odb_object* object = nullptr;
  int error = git_odb_read(&object, target_of(backend), oid);
  if (error != 0) return error;
  OdbObjectPtr owned(object);
  return copy_out(backend, object, data, length, type);
}

int forward_read_prefix(git_oid* out, void** data, size_t* length, git_object_t* type, git_odb_backend* backend,
                        const git_oid* short_id, size_t prefix_length) {
  git_odb_object* object = nullptr;
  int error = git_odb_read_prefix(&object, target_of(backend), short_id, prefix_length);
  if (error != 0) return error;
  OdbObjectPtr owned(object);
  git_oid_cpy(out, git_odb_object_id(object));
  return copy_out(backend, object, data, length, type);
}

int forward_read_header(size_t* length, git_object_t* type, git_odb_backend* backend, const git_oid* oid) {
  return git_odb_read_header(length, type, target_of(backend), oid);
}

int forward_exists(git_odb_backend* backend, const git_oid* oid) { return git_odb_exists(target_of(backend), oid); }

int forward_exists_prefix(git_oid* out, git_odb_backend* backend, const git_oid* short_id, size_t length) {
  return git_odb_exists_prefix(out, target_of(backend), short_id, length);
}

// A repack under the daemon replaces packs: let libgit2 rescan them on a miss.
int forward_refresh(git_odb_backend* backend) { return git_odb_refresh(target_of(backend)); }

void forward_free(git_odb_backend* backend) { delete reinterpret_cast<ForwardingBackend*>(backend); }

Expected<void> add_forwarding_backend(git_odb* odb, git_odb* target, int priority) {
  auto* backend = new (std::nothrow) ForwardingBackend{};
  if (!backend) return fail("out of memory creating the object forwarding backend");
  git_odb_init_backend(&backend->parent, GIT_ODB_BACKEND_VERSION);
  backend->target = target;
  backend->parent.read = forward_read;
  backend->parent.read_prefix = forward_read_prefix;
  backend->parent.read_header = forward_read_header;
  backend->parent.exists = forward_exists;
  backend->parent.exists_prefix = forward_exists_prefix;
  backend->parent.refresh = forward_refresh;
  backend->parent.free = forward_free;
  if (git_odb_add_backend(odb, &backend->parent, priority) != 0) {
    Error error = libgit2_error("cannot add the repository's objects to the push view");
    delete backend;
    return std::unexpected(error);
  }
  return {};
}

// Packs first, as git looks: a large push arrives as one pack, whose index
// answers in memory; asking the loose directory first would cost a failed
// file lookup for every object read. (A small push's loose objects then
// cost one in-memory pack miss each.)
Expected<void> add_quarantine(git_odb* odb, const std::string& quarantine_dir) {
  git_odb_backend* packs = nullptr;
  if (git_odb_backend_pack(&packs, quarantine_dir.c_str()) != 0)
    return std::unexpected(libgit2_error("cannot read quarantine packs in " + quarantine_dir));
  if (git_odb_add_backend(odb, packs, 3) != 0) {
    packs->free(packs);
    return std::unexpected(libgit2_error("cannot add the quarantine packs"));
  }
  git_odb_backend* loose = nullptr;
  if (git_odb_backend_loose(&loose, quarantine_dir.c_str(), -1, 0, 0, 0) != 0)
    return std::unexpected(libgit2_error("cannot read quarantine loose objects in " + quarantine_dir));
  if (git_odb_add_backend(odb, loose, 2) != 0) {
    loose->free(loose);
    return std::unexpected(libgit2_error("cannot add the quarantine loose objects"));
  }
  return {};
}

}  // namespace

Expected<RepositoryPtr> open_push_view(git_odb* base, const std::string& quarantine_dir) {
  git_odb* raw_odb = nullptr;
  if (git_odb_new(&raw_odb) != 0) return std::unexpected(libgit2_error("cannot create the push object database"));
  OdbPtr odb(raw_odb);
  if (!quarantine_dir.empty())
    if (auto added = add_quarantine(odb.get(), quarantine_dir); !added) return std::unexpected(added.error());
  if (base)
    if (auto added = add_forwarding_backend(odb.get(), base, 1); !added) return std::unexpected(added.error());
  git_repository* raw_repo = nullptr;
  if (git_repository_wrap_odb(&raw_repo, odb.get()) != 0)
    return std::unexpected(libgit2_error("cannot wrap the push object database"));
  return RepositoryPtr(raw_repo);  // the repository holds its own reference to the odb
}

Expected<RepositoryPtr> open_push_view_on(const std::string& objects_dir, const std::string& quarantine_dir) {
  git_odb* raw_odb = nullptr;
  if (git_odb_new(&raw_odb) != 0) return std::unexpected(libgit2_error("cannot create the push object database"));
  OdbPtr odb(raw_odb);
  if (!quarantine_dir.empty())
    if (auto added = add_quarantine(odb.get(), quarantine_dir); !added) return std::unexpected(added.error());
  // As an alternate: asked after the quarantine (libgit2 sorts alternates
  // last), and its own alternates (a fork's object pool) come with it.
  if (git_odb_add_disk_alternate(odb.get(), objects_dir.c_str()) != 0)
    return std::unexpected(libgit2_error("cannot open " + objects_dir));
  git_repository* raw_repo = nullptr;
  if (git_repository_wrap_odb(&raw_repo, odb.get()) != 0)
    return std::unexpected(libgit2_error("cannot wrap the push object database"));
  return RepositoryPtr(raw_repo);
}

Expected<RepositoryPtr> open_quarantine(const std::string& quarantine_dir) {
  return open_push_view(nullptr, quarantine_dir);
}

}  // namespace refguard::git
