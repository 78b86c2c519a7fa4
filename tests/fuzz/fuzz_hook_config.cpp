// The hook's reading of git's `git config -z --get-regexp` listing, on
// arbitrary bytes. Properties: values it keeps are in range, and reading the
// same listing twice changes nothing more.
#include <cstdint>
#include <string_view>

#include "fuzz_support.h"
#include "ipc/hook_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view listing(reinterpret_cast<const char*>(data), size);
  refguard::ipc::HookConfig config;
  refguard::ipc::apply_git_config_listing(listing, config);
  FUZZ_CHECK(config.timeout_ms > 0 && config.timeout_ms <= 3600 * 1000, "timeout within (0, 1 h]");
  FUZZ_CHECK(refguard::ipc::parse_fail_mode(refguard::ipc::to_string(config.fail_mode)) == config.fail_mode,
             "fail mode names round trip");

  refguard::ipc::HookConfig twice = config;
  refguard::ipc::apply_git_config_listing(listing, twice);
  FUZZ_CHECK(twice.socket_path == config.socket_path && twice.fail_mode == config.fail_mode &&
                 twice.timeout_ms == config.timeout_ms && twice.cli_path == config.cli_path &&
                 twice.policy_path == config.policy_path,
             "applying the same listing twice is idempotent");
  return 0;
}
