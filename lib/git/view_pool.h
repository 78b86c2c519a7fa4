#pragma once
// Extra, independent handles on one push's objects, so that reading a large
// push (tree diffs, blobs) runs on several threads: libgit2 handles must not
// be shared between threads, but separate handles on the same files may be
// used at once. Each handle opens the repository's object directory afresh
// (its own pack windows and caches) behind the push's quarantine. Handles are
// opened on first demand and reused for the rest of the push. Thread-safe.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "git/handles.h"
#include "util/error.h"

namespace refguard {
class WorkPool;
}

namespace refguard::git {

class ViewPool {
 public:
  /// `git_dir` is the repository; `quarantine_dir` "" when there is none.
  ViewPool(std::string git_dir, std::string quarantine_dir)
      : git_dir_(std::move(git_dir)), quarantine_dir_(std::move(quarantine_dir)) {}
  ~ViewPool();

  struct View {
    RepositoryPtr repository;  // the quarantine in front of the repository's objects, opened for this view
    OdbPtr odb;                // `repository`'s object database
  };

  /// A view for the calling thread until the lease ends.
  class Lease {
   public:
    Lease(ViewPool& pool, std::unique_ptr<View> view) : pool_(&pool), view_(std::move(view)) {}
    Lease(Lease&&) = default;
    ~Lease();
    View& operator*() const { return *view_; }
    View* operator->() const { return view_.get(); }

   private:
    ViewPool* pool_;
    std::unique_ptr<View> view_;
  };

  Expected<Lease> borrow();

  /// Where the objects a check reads are packed: the quarantine's packs
  /// (what the push brought) when there is one, else the repository's.
  std::string pack_dir() const;

 private:
  friend class Lease;
  Expected<std::unique_ptr<View>> open() const;

  std::string git_dir_;
  std::string quarantine_dir_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<View>> idle_;
};

/// Where a reader may spread its work: both null = read on the calling thread.
struct ParallelReading {
  WorkPool* pool = nullptr;
  ViewPool* views = nullptr;
  size_t min_items = 64;  // below this, threads and extra handles cost more than they save
  bool applies(size_t items) const { return pool && views && items >= min_items; }
};

}  // namespace refguard::git
