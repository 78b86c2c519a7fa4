#include "detect/registry.h"

#include <array>
#include <utility>

// Each detector's factory, declared in its own header.
#include "detect/regex_detector.h"

namespace refguard::detect {

namespace {
// One line per detector type. Keep sorted by name.
constexpr std::pair<std::string_view, DetectorFactory> kFactories[] = {
    {"regex", &make_regex_detector},
};
}  // namespace

DetectorFactory find_detector_factory(std::string_view type) {
  for (const auto& [name, factory] : kFactories)
    if (name == type) return factory;
  return nullptr;
}

std::vector<std::string_view> detector_type_names() {
  std::vector<std::string_view> names;
  for (const auto& entry : kFactories) names.push_back(entry.first);
  return names;
}

}  // namespace refguard::detect
