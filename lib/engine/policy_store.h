#pragma once
// Where policies come from and where compiled ones are kept. Layers: the
// built-in default, the system file, the repository's refguard.toml (in the
// bare repository's directory, for server admins) and its committed
// .refguard.toml (on the default branch, for repository admins). A distinct
// combination of layer texts is compiled once and shared. Thread-safe.
//
// A layer that fails to load is refused: the system layer keeps its last good
// text (reload() reports why), a repository layer keeps its last good text for
// that repository, or is skipped, and the reason is returned as a warning.
// A repository layer is also refused when it is too costly for a shared
// daemon (issue 15, item 8: 13,500 regex rules cost 12 s and 180 MB a push):
// more than kMaxRepositoryPolicyBytes of text, kMaxRepositoryRules rules of
// its own, or kMaxRepositoryPolicyMemory of compiled policy. Compiled
// policies are cached by layer texts, bounded by count and by bytes; a
// combination being compiled is compiled once, concurrent callers wait for it.
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/compiled_policy.h"
#include "policy/policy_layer.h"
#include "util/error.h"
#include "util/lru_cache.h"

namespace refguard::engine {

inline constexpr const char* kDefaultSystemPolicy = "/etc/refguard/policy.toml";
inline constexpr const char* kRepositoryPolicyFile = "refguard.toml";
inline constexpr const char* kCommittedPolicyFile = ".refguard.toml";
inline constexpr size_t kMaxRepositoryPolicyBytes = 256u << 10;
inline constexpr size_t kMaxRepositoryRules = 500;  // rules a repository layer adds
inline constexpr size_t kMaxRepositoryPolicyMemory = 64u << 20;  // CompiledPolicy::approx_bytes
inline constexpr size_t kMaxCompiledPolicies = 512;
inline constexpr size_t kMaxCompiledPolicyBytes = 512u << 20;  // the cache, keys included

struct PolicyLoad {
  std::shared_ptr<const CompiledPolicy> policy;
  std::vector<std::string> warnings;
};

class PolicyStore {
 public:
  /// One layer's text, as compiled.
  struct Layer {
    std::string text;
    std::string name;
    policy::LayerKind kind;
  };

  /// `system_path` may name a file that does not exist yet when `required` is false.
  PolicyStore(std::string system_path, bool required);

  /// (Re)reads the system file. On failure the previous text stays in force.
  Expected<void> reload();

  /// The effective policy for the repository at `git_dir`; `committed` is the
  /// text of .refguard.toml on its default branch, if any.
  PolicyLoad for_repository(const std::string& git_dir, const std::optional<std::string>& committed);

  /// Built-in + system + `text` as a repository layer, compiled: what
  /// `refguard policy check` and a push changing .refguard.toml are held to.
  Expected<std::shared_ptr<const CompiledPolicy>> check_repository_layer(const std::string& text,
                                                                          const std::string& name);

  /// The same for a committed .refguard.toml of the repository at `git_dir`:
  /// above the server's refguard.toml, tighten-only unless policy editors
  /// are named (policy::LayerKind::kCommitted). What a push changing it is held to.
  Expected<std::shared_ptr<const CompiledPolicy>> check_committed_layer(const std::string& git_dir,
                                                                         const std::string& text,
                                                                         const std::string& name);

  /// Built-in + system only.
  std::shared_ptr<const CompiledPolicy> base_policy();

  const std::string& system_path() const { return system_path_; }

 private:
  Expected<std::shared_ptr<const CompiledPolicy>> compile_layers(const std::vector<Layer>& layers);

  std::string system_path_;
  bool required_;
  std::mutex mutex_;
  std::optional<std::string> system_text_;  // last good text; nullopt = no system file
  std::map<std::string, std::string> last_good_repo_text_;  // "<git_dir>\n<kind>" -> text
  LruCache<std::string, const CompiledPolicy> compiled_{kMaxCompiledPolicies, kMaxCompiledPolicyBytes};  // key: layer texts
  // Compilations in progress, by key: a second caller waits instead of compiling again.
  std::map<std::string, std::shared_future<Expected<std::shared_ptr<const CompiledPolicy>>>> compiling_;
};

}  // namespace refguard::engine
