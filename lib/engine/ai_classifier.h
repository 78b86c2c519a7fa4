#pragma once
// Decides whether a file is an "AI script": its path matches one of the
// policy's ai.paths globs (prompts, agent instruction files, notebooks, MCP
// configs, model files), or its content imports an AI SDK (ai.sdks).
// Immutable and thread-safe after construction.
#include <re2/re2.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"
#include "util/glob.h"

namespace refguard::engine {

class AiClassifier {
 public:
  /// `sdks` are module or package names; a trailing '*' makes a prefix ("langchain*").
  static Expected<AiClassifier> create(const std::vector<std::string>& path_globs, const std::vector<std::string>& sdks);

  bool is_ai_path(std::string_view path) const;
  bool uses_ai_sdk(std::string_view content) const;
  bool classify(std::string_view path, std::string_view content) const {
    return is_ai_path(path) || uses_ai_sdk(content);
  }

 private:
  std::vector<Glob> globs_;
  std::shared_ptr<const RE2> imports_;  // null when no SDK is listed
};

}  // namespace refguard::engine
