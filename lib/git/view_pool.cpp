#include "git/view_pool.h"

#include "git/quarantine_odb.h"

namespace refguard::git {

ViewPool::~ViewPool() = default;

ViewPool::Lease::~Lease() {
  if (!view_) return;
  std::lock_guard lock(pool_->mutex_);
  pool_->idle_.push_back(std::move(view_));
}

Expected<std::unique_ptr<ViewPool::View>> ViewPool::open() const {
  auto view = std::make_unique<View>();
  auto repository = open_push_view_on(git_dir_ + "/objects", quarantine_dir_);
  if (!repository) return std::unexpected(repository.error());
  view->repository = std::move(*repository);
  git_odb* raw_odb = nullptr;
  if (git_repository_odb(&raw_odb, view->repository.get()) != 0)
    return std::unexpected(libgit2_error("cannot open the push object database"));
  view->odb.reset(raw_odb);
  return view;
}

Expected<ViewPool::Lease> ViewPool::borrow() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto view = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(view));
    }
  }
  auto opened = open();
  if (!opened) return std::unexpected(opened.error());
  return Lease(*this, std::move(*opened));
}

std::string ViewPool::pack_dir() const {
  return quarantine_dir_.empty() ? git_dir_ + "/objects/pack" : quarantine_dir_ + "/pack";
}

}  // namespace refguard::git
