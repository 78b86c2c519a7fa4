#pragma once
// Builds a detector from a TOML snippet the way the policy compiler does
// (factory + DetectorParams + finish()), for the detectors' unit tests.
#include <toml++/toml.h>

#include <memory>
#include <string>
#include <string_view>

#include "detect/detector.h"
#include "detect/params.h"
#include "detect/registry.h"

namespace refguard::testing {

struct BuiltDetector {
  std::unique_ptr<detect::Detector> detector;
  Expected<void> finished;
};

inline BuiltDetector build_detector(detect::DetectorFactory factory, std::string_view snippet,
                                    std::string rule_id = "rule-id", std::string file = "test.toml") {
  const toml::table table = toml::parse(snippet);
  detect::DetectorParams params(table, std::move(file), std::move(rule_id));
  auto detector = factory(params);
  return {std::move(detector), params.finish()};
}

}  // namespace refguard::testing
