#include "engine/ai_classifier.h"

#include <fmt/format.h>

namespace refguard::engine {

namespace {

// "google.genai" -> google\.genai ; "langchain*" -> langchain[\w.-]*
std::string sdk_pattern(std::string_view sdk) {
  bool prefix = !sdk.empty() && sdk.back() == '*';
  if (prefix) sdk.remove_suffix(1);
  std::string out = RE2::QuoteMeta(re2::StringPiece(sdk.data(), sdk.size()));
  if (prefix) out += R"([\w.\-/]*)";
  return out;
}

}  // namespace

Expected<AiClassifier> AiClassifier::create(const std::vector<std::string>& path_globs,
                                            const std::vector<std::string>& sdks) {
  AiClassifier classifier;
  for (const auto& pattern : path_globs) {
    auto glob = Glob::compile(pattern);
    if (!glob) return fail("ai.paths: " + glob.error().message);
    classifier.globs_.push_back(std::move(*glob));
  }
  if (sdks.empty()) return classifier;
  std::vector<std::string> alternatives;
  for (const auto& sdk : sdks) alternatives.push_back(sdk_pattern(sdk));
  std::string names = fmt::format("(?:{})", fmt::join(alternatives, "|"));
  // Python imports, JS/TS imports and requires, and Go-style quoted import paths.
  std::string pattern = fmt::format(
      R"((?m)^[ \t]*(?:from|import)[ \t]+{0}(?:[.\s,]|$)|(?:from|import|require\()[ \t]*['"]{0}(?:['"/])|^[ \t]*%pip[ \t]+install[ \t]+{0})",
      names);
  RE2::Options options;
  options.set_log_errors(false);
  auto regex = std::make_shared<RE2>(pattern, options);
  if (!regex->ok()) return fail("ai.sdks: cannot compile the SDK import pattern: " + regex->error());
  classifier.imports_ = std::move(regex);
  return classifier;
}

bool AiClassifier::is_ai_path(std::string_view path) const {
  for (const auto& glob : globs_)
    if (glob.matches(path)) return true;
  return false;
}

bool AiClassifier::uses_ai_sdk(std::string_view content) const {
  return imports_ && RE2::PartialMatch(re2::StringPiece(content.data(), content.size()), *imports_);
}

}  // namespace refguard::engine
