#include "engine/policy_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "policy/builtin_policy.h"

namespace refguard::engine {

namespace {

constexpr size_t kMaxPolicyBytes = 1 << 20;

// Applies the layers and compiles them, refusing a repository layer too costly to keep.
Expected<std::shared_ptr<const CompiledPolicy>> build(const std::vector<PolicyStore::Layer>& layers) {
  policy::PolicySpec spec;
  for (const auto& layer : layers) {
    const bool repository = layer.kind == policy::LayerKind::kRepository;
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
    return layer.kind == policy::LayerKind::kRepository;
  });
  if (has_repository_layer && (*compiled)->approx_bytes() > kMaxRepositoryPolicyMemory)
    return fail(fmt::format("{}: refused: the policy compiles to about {} MiB; with a repository policy at most {} MiB",
                            layers.back().name, (*compiled)->approx_bytes() >> 20, kMaxRepositoryPolicyMemory >> 20));
  return compiled;
}

// nullopt when the file does not exist; an error when it exists but cannot be read.
Expected<std::optional<std::string>> read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return std::optional<std::string>();
    return fail(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > kMaxPolicyBytes) return fail(path + ": policy file is larger than 1 MiB");
  return std::optional<std::string>(text.str());
}

}  // namespace

PolicyStore::PolicyStore(std::string system_path, bool required)
    : system_path_(std::move(system_path)), required_(required) {}

Expected<void> PolicyStore::reload() {
  std::optional<std::string> text;
  if (!system_path_.empty()) {
    auto read = read_small_file(system_path_);
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

PolicyLoad PolicyStore::for_repository(const std::string& git_dir, const std::optional<std::string>& committed) {
  PolicyLoad load;
  std::vector<Layer> layers = {{std::string(policy::builtin_policy_text()), std::string(policy::kBuiltinPolicyName),
                                policy::LayerKind::kBuiltin}};
  {
    std::lock_guard lock(mutex_);
    if (system_text_) layers.push_back({*system_text_, system_path_, policy::LayerKind::kSystem});
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> candidates;  // name, text
  auto file = read_small_file(git_dir + "/" + kRepositoryPolicyFile);
  if (!file) load.warnings.push_back(file.error().message);
  candidates.emplace_back(git_dir + "/" + kRepositoryPolicyFile, file ? *file : std::nullopt);
  candidates.emplace_back(std::string(kCommittedPolicyFile) + " (default branch)", committed);
  for (const auto& [name, text] : candidates) {
    std::string memo_key = git_dir + "\n" + name;
    if (!text) continue;
    std::vector<Layer> trial = layers;
    trial.push_back({*text, name, policy::LayerKind::kRepository});
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
    if (fallback) layers.push_back({*fallback, name, policy::LayerKind::kRepository});
  }
  auto compiled = compile_layers(layers);
  if (compiled) load.policy = *compiled;
  else load.policy = base_policy();  // a remembered layer no longer fits the system policy
  return load;
}

}  // namespace refguard::engine
