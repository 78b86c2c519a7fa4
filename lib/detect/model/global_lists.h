#pragma once
// The built-in lists of globals a pickle may import. Patterns are
// "module.name" (exact) or "module.*" (the module and its submodules).
#include <span>
#include <string_view>

namespace refguard::detect::model {

struct DangerousGlobal {
  std::string_view pattern;
  std::string_view reason;  // what loading it can do, for the finding's detail
};

/// Globals whose import alone lets a pickle run code, reach the system or the network.
std::span<const DangerousGlobal> builtin_dangerous_globals();

/// Globals that only rebuild data: tensors, storages, numpy arrays, containers.
std::span<const std::string_view> builtin_safe_globals();

/// Attribute names that, inside a dotted global name, walk out of the module
/// to arbitrary objects (protocol 4 resolves "a.b.c" attribute by attribute).
std::span<const std::string_view> dangerous_attributes();

/// Python 2 module names the unpickler maps to Python 3 ones (fix_imports).
std::string_view python3_module_name(std::string_view module);

}  // namespace refguard::detect::model
