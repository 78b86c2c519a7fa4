#pragma once
// The interface every detector implements. A detector is built once from a
// rule's [rule.detector] table, is immutable afterwards, and is called from
// many threads at once (one call per file per rule).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detect/file_view.h"

namespace refguard::detect {

enum class Severity { kBlock, kWarn };

/// One thing a detector found. The engine adds the rule, commit and remedy.
struct Hit {
  uint32_t line = 0;            // 1-based line in the new file; 0 = the file as a whole
  std::string secret;           // sensitive matched text; always shown masked. May be empty.
  bool code = false;            // `secret` is code (an unsafe call), not a credential: the line is shown as is
  std::string detail;           // what was found, safe to print ("U+202E RIGHT-TO-LEFT OVERRIDE")
  std::string where;            // extra location inside the file, e.g. "cell 3" ("" if none)
  std::optional<Severity> severity;  // overrides the rule's action (e.g. "unknown global: warn")
};

/// Lines a line-detector wants to see. The engine compiles every rule's spec
/// into one multi-pattern pass and calls scan_lines only with candidate lines.
struct PrefilterSpec {
  std::string regex;                  // RE2 syntax; a line must match it somewhere ("" = none)
  std::vector<std::string> keywords;  // if set, a line must contain one (ASCII case-insensitive)
};

class Detector {
 public:
  virtual ~Detector() = default;

  /// Line detectors: which added lines to consider. nullopt = every added line.
  virtual std::optional<PrefilterSpec> prefilter() const { return std::nullopt; }

  /// Called with the indexes (into file.added) of candidate lines, never for binary files.
  virtual void scan_lines(const FileView& file, const std::vector<uint32_t>& candidates,
                          std::vector<Hit>& hits) const {
    (void)file, (void)candidates, (void)hits;
  }

  /// Whole-file detectors (paths, sizes, parsed formats). Called once per changed file.
  virtual void scan_file(const FileView& file, std::vector<Hit>& hits) const { (void)file, (void)hits; }

  /// True when scan_lines should run (the engine skips the line pass otherwise).
  virtual bool wants_lines() const { return false; }

  /// False when the detector can report nothing for a file at `path`, whatever
  /// its content (detectors that only look at certain names). Must depend on
  /// the path alone: the engine asks once per path, with the rule's scope, and
  /// then calls neither scan_file nor scan_lines for files at that path.
  virtual bool may_report_at(std::string_view path) const {
    (void)path;
    return true;
  }
};

}  // namespace refguard::detect
