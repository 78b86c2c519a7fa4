#include "detect/registry.h"

#include <array>
#include <utility>

// Each detector's factory, declared in its own header.
#include "detect/agent_config/agent_config_detector.h"
#include "detect/confusable_detector.h"
#include "detect/connection_url_detector.h"
#include "detect/model/model_detector.h"
#include "detect/notebook_outputs_detector.h"
#include "detect/path_detector.h"
#include "detect/private_key_detector.h"
#include "detect/regex_detector.h"
#include "detect/size_detector.h"
#include "detect/unicode_detector.h"

namespace refguard::detect {

namespace {
// One line per detector type. Keep sorted by name.
constexpr std::pair<std::string_view, DetectorFactory> kFactories[] = {
    {"agent_config", &make_agent_config_detector},
    {"confusable", &make_confusable_detector},
    {"connection_url", &make_connection_url_detector},
    {"model", &make_model_detector},
    {"notebook_outputs", &make_notebook_outputs_detector},
    {"path", &make_path_detector},
    {"private_key", &make_private_key_detector},
    {"regex", &make_regex_detector},
    {"size", &make_size_detector},
    {"unicode", &make_unicode_detector},
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
