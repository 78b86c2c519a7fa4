#include "engine/policy_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "policy/builtin_policy.h"
#include "util/small_file.h"

namespace refguard::engine {

namespace {

constexpr size_t kMaxPolicyBytes = 1 << 20;

// Applies the layers and compiles them, refusing a repository layer too costly to keep.
Expected<std::shared_ptr<const CompiledPolicy>> build(const std::vector<PolicyStore::Layer>& layers) {
  policy::PolicySpec spec;
  for (const auto& layer : layers) {
    const bool repository =
        layer.kind == policy::LayerKind::kRepository || layer.kind == policy::LayerKind::kCommitted;
    if (repository && layer.text.size() > kMaxRepositoryPolicyBytes)
      return fail(fmt::format("{}: refused: {} KiB of policy; a repository policy may hold at most {} KiB",
                              layer.name, layer.text.size() >> 10, kMaxRepositoryPolicyBytes >> 10));
    size_t rules_before = spec.rules.size();
    if (auto applied = policy::apply_layer(spec, layer.text, layer.name, layer.kind); !applied)
      return std::unexpected(applied.error());
    if (repository && spec.rules.size() - rules_before > kMaxRepositoryRules)
      return fail(fmt::format("{}: refused: it adds {} rules; a repository policy may add at most {}", layer.name,
                              spec.rules.size() - rules_before, kMaxRepositoryRules));
  }
  auto compiled = CompiledPolicy::compile(spec);
  if (!compiled) return compiled;
  bool has_repository_layer = std::any_of(layers.begin(), layers.end(), [](const PolicyStore::Layer& layer) {
    return layer.kind == policy::LayerKind::kRepository || layer.kind == policy::LayerKind::kCommitted;
  });
  if (has_repository_layer && (*compiled)->approx_bytes() > kMaxRepositoryPolicyMemory)
    return fail(fmt::format("{}: refused: the policy compiles to about {} MiB; with a repository policy at most {} MiB",
                            layers.back().name, (*compiled)->approx_bytes() >> 20, kMaxRepositoryPolicyMemory >> 20));
  return compiled;
}

Expected<std::optional<std::string>> read_policy_file(const std::string& path) {
  return read_small_file(path, kMaxPolicyBytes, "policy file");
}

}  // namespace

PolicyStore::PolicyStore(std::string system_path, bool required)
    : system_path_(std::move(system_path)), required_(required) {}

Expected<void> PolicyStore::reload() {
  std::optional<std::string> text;
  if (!system_path_.empty()) {
    auto read = read_policy_file(system_path_);
    if (!read) return std::unexpected(read.error());
    if (!*read && required_) return fail(fmt::format("policy file {} does not exist", system_path_));
    text = *read;
  }
  std::vector<Layer> layers = {{std::string(policy::builtin_policy_text()), std::string(policy::kBuiltinPolicyName),
                                policy::LayerKind::kBuiltin}};
  if (text) layers.push_back({*text, system_path_, policy::LayerKind::kSystem});
  auto compiled = compile_layers(layers);
  if (!compiled) return std::unexpected(compiled.error());
  std::lock_guard lock(mutex_);
  system_text_ = std::move(text);
  return {};
}

Expected<std::shared_ptr<const CompiledPolicy>> PolicyStore::compile_layers(const std::vector<Layer>& layers) {
  std::string key;
  for (const auto& layer : layers) key += fmt::format("{}\n{}\n{}\x1f", static_cast<int>(layer.kind), layer.name, layer.text);
  if (auto found = compiled_.find(key)) return found;
  std::promise<Expected<std::shared_ptr<const CompiledPolicy>>> promise;
  std::shared_future<Expected<std::shared_ptr<const CompiledPolicy>>> pending;
  bool compiling_here = false;
  {
    std::lock_guard lock(mutex_);
    auto [at, added] = compiling_.try_emplace(key);
    if (added) at->second = promise.get_future().share(), compiling_here = true;
    pending = at->second;
  }
  if (!compiling_here) return pending.get();  // another push compiles these layers: wait, never compile twice
  auto compiled = build(layers);
  // Refusals are not cached: they are cheap to find again (size and count come first).
  if (compiled) compiled_.insert(key, *compiled, key.size() + (*compiled)->approx_bytes());
  promise.set_value(compiled);
  std::lock_guard lock(mutex_);
  compiling_.erase(key);
  return compiled;
}

std::shared_ptr<const CompiledPolicy> PolicyStore::base_policy() {
  std::vector<Layer> layers = {{std::string(policy::builtin_policy_text()), std::string(policy::kBuiltinPolicyName),
                                policy::LayerKind::kBuiltin}};
  {
    std::lock_guard lock(mutex_);
    if (system_text_) layers.push_back({*system_text_, system_path_, policy::LayerKind::kSystem});
  }
  auto compiled = compile_layers(layers);
  return compiled ? *compiled : nullptr;  // reload() proved these layers compile
}

Expected<std::shared_ptr<const CompiledPolicy>> PolicyStore::check_repository_layer(const std::string& text,
                                                                                     const std::string& name) {
  std::vector<Layer> layers = {{std::string(policy::builtin_policy_text()), std::string(policy::kBuiltinPolicyName),
                                policy::LayerKind::kBuiltin}};
  {
    std::lock_guard lock(mutex_);
    if (system_text_) layers.push_back({*system_text_, system_path_, policy::LayerKind::kSystem});
  }
  layers.push_back({text, name, policy::LayerKind::kRepository});
  return compile_layers(layers);
}

Expected<std::shared_ptr<const CompiledPolicy>> PolicyStore::check_committed_layer(const std::string& git_dir,
                                                                                    const std::string& text,
                                                                                    const std::string& name) {
  std::vector<Layer> layers = {{std::string(policy::builtin_policy_text()), std::string(policy::kBuiltinPolicyName),
                                policy::LayerKind::kBuiltin}};
  {
    std::lock_guard lock(mutex_);
    if (system_text_) layers.push_back({*system_text_, system_path_, policy::LayerKind::kSystem});
  }
  auto server_file = read_policy_file(git_dir + "/" + kRepositoryPolicyFile);
  if (server_file && *server_file) {  // the server's file as in force (it may name policy editors)
    std::vector<Layer> trial = layers;
    trial.push_back({**server_file, git_dir + "/" + kRepositoryPolicyFile, policy::LayerKind::kRepository});
    if (compile_layers(trial)) layers = std::move(trial);
  }
  layers.push_back({text, name, policy::LayerKind::kCommitted});
  return compile_layers(layers);
}

PolicyLoad PolicyStore::for_repository(const std::string& git_dir, const std::optional<std::string>& committed) {
  PolicyLoad load;
  std::vector<Layer> layers = {{std::string(policy::builtin_policy_text()), std::string(policy::kBuiltinPolicyName),
                                policy::LayerKind::kBuiltin}};
  {
    std::lock_guard lock(mutex_);
    if (system_text_) layers.push_back({*system_text_, system_path_, policy::LayerKind::kSystem});
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> candidates;  // name, text
  auto file = read_policy_file(git_dir + "/" + kRepositoryPolicyFile);
  if (!file) load.warnings.push_back(file.error().message);
  candidates.emplace_back(git_dir + "/" + kRepositoryPolicyFile, file ? *file : std::nullopt);
  candidates.emplace_back(std::string(kCommittedPolicyFile) + " (default branch)", committed);
  for (size_t c = 0; c < candidates.size(); ++c) {
    const auto& [name, text] = candidates[c];
    auto kind = c == 0 ? policy::LayerKind::kRepository : policy::LayerKind::kCommitted;
    std::string memo_key = git_dir + "\n" + name;
    if (!text) continue;
    std::vector<Layer> trial = layers;
    trial.push_back({*text, name, kind});
    auto trial_policy = compile_layers(trial);
    if (trial_policy) {
      layers = std::move(trial);
      std::lock_guard lock(mutex_);
      last_good_repo_text_[memo_key] = *text;
      continue;
    }
    const std::string& why = trial_policy.error().message;
    std::optional<std::string> fallback;
    {
      std::lock_guard lock(mutex_);
      if (auto found = last_good_repo_text_.find(memo_key); found != last_good_repo_text_.end()) fallback = found->second;
    }
    load.warnings.push_back(fmt::format("repository policy {} is invalid and was refused ({}); {}", name, why,
                                        fallback ? "the last valid version stays in force" : "it is ignored"));
    if (fallback) layers.push_back({*fallback, name, kind});
  }
  auto compiled = compile_layers(layers);
  if (compiled) load.policy = *compiled;
  else load.policy = base_policy();  // a remembered layer no longer fits the system policy
  return load;
}

}  // namespace refguard::engine
