// The model detector's parameters and its global policy: which globals are
// dangerous, safe or unknown, how a rule's extra lists change that, and how
// bad extra patterns are reported.
#include <catch2/catch.hpp>

#include "detector_builder.h"
#include <toml++/toml.h>

#include <string>
#include <vector>

#include "detect/model/global_policy.h"
#include "detect/model/model_detector.h"
#include "detect/params.h"

using namespace refguard::detect;
using model::GlobalPolicy;
using model::Verdict;

namespace {

using Built = refguard::testing::BuiltDetector;

Built build(std::string_view snippet) { return refguard::testing::build_detector(&make_model_detector, snippet, "unsafe-pickle-model", "policy.toml"); }

std::vector<Hit> scan(const Detector& detector, std::string_view path, std::string_view content) {
  FileView file;
  file.path = path;
  file.content = content;
  std::vector<Hit> hits;
  detector.scan_file(file, hits);
  return hits;
}

}  // namespace

TEST_CASE("global policy judges built-in dangerous, safe and unknown globals", "[model]") {
  GlobalPolicy policy;
  struct Case {
    const char* module;
    const char* name;
    Verdict verdict;
  };
  const Case cases[] = {
      {"os", "system", Verdict::kDangerous},
      {"posix", "system", Verdict::kDangerous},
      {"nt", "system", Verdict::kDangerous},
      {"os.path", "join", Verdict::kDangerous},  // os.* covers submodules
      {"subprocess", "Popen", Verdict::kDangerous},
      {"__builtin__", "eval", Verdict::kDangerous},
      {"builtins", "getattr", Verdict::kDangerous},
      {"exceptions", "exec", Verdict::kDangerous},  // Python 2 name the unpickler maps to builtins
      {"copy_reg", "_reconstructor", Verdict::kSafe},
      {"torch", "load", Verdict::kDangerous},
      {"torch.serialization", "load", Verdict::kDangerous},
      {"torch", "serialization.os.system", Verdict::kDangerous},  // attribute path
      {"collections", "OrderedDict.__init__.__globals__", Verdict::kDangerous},
      {"torch._utils", "_rebuild_tensor_v2", Verdict::kSafe},
      {"torch._utils", "_rebuild_parameter", Verdict::kSafe},
      {"torch", "FloatStorage", Verdict::kSafe},
      {"torch", "bfloat16", Verdict::kSafe},
      {"collections", "OrderedDict", Verdict::kSafe},
      {"numpy.core.multiarray", "_reconstruct", Verdict::kSafe},
      {"numpy._core.multiarray", "scalar", Verdict::kSafe},
      {"numpy", "dtype", Verdict::kSafe},
      {"numpy.dtypes", "Float64DType", Verdict::kSafe},
      {"__builtin__", "set", Verdict::kSafe},
      {"_codecs", "encode", Verdict::kSafe},
      {"torch.storage", "_load_from_bytes", Verdict::kUnknown},
      {"__main__", "Net", Verdict::kUnknown},
      {"sklearn.linear_model._base", "LinearRegression", Verdict::kUnknown},
      {"collections", "OrderedDict.fromkeys", Verdict::kUnknown},  // dotted: only exact entries are safe
      {"mypkg.sys", "Config", Verdict::kUnknown},                 // a module path, not an attribute walk
      {"ossify", "x", Verdict::kUnknown},
  };
  for (const auto& c : cases) {
    INFO(c.module << "." << c.name);
    CHECK(policy.judge(c.module, c.name).verdict == c.verdict);
  }
}

TEST_CASE("global policy extras: dangerous wins over safe, safe turns unknown into safe", "[model]") {
  GlobalPolicy policy({"mypkg.layers.*", "__main__.Net"}, {"mypkg.layers.Hook", "numpy.ndarray"});
  CHECK(policy.judge("mypkg.layers", "Dense").verdict == Verdict::kSafe);
  CHECK(policy.judge("mypkg.layers.conv", "Conv").verdict == Verdict::kSafe);
  CHECK(policy.judge("__main__", "Net").verdict == Verdict::kSafe);
  CHECK(policy.judge("__main__", "Other").verdict == Verdict::kUnknown);
  auto hook = policy.judge("mypkg.layers", "Hook");
  CHECK(hook.verdict == Verdict::kDangerous);
  CHECK(hook.reason == "listed in extra_dangerous_globals");
  CHECK(policy.judge("numpy", "ndarray").verdict == Verdict::kDangerous);
}

TEST_CASE("global patterns must be module.name or module.*", "[model]") {
  CHECK(!GlobalPolicy::pattern_error("mypkg.Model"));
  CHECK(!GlobalPolicy::pattern_error("mypkg.sub.*"));
  CHECK(GlobalPolicy::pattern_error("Model"));
  CHECK(GlobalPolicy::pattern_error("mypkg."));
  CHECK(GlobalPolicy::pattern_error("my-pkg.Model"));
  CHECK(GlobalPolicy::pattern_error("mypkg.*.x"));
  CHECK(GlobalPolicy::pattern_error("*"));
  CHECK(GlobalPolicy::builtin_danger_overlap("os.path.join") == "os.*");
  CHECK(GlobalPolicy::builtin_danger_overlap("torch.*").has_value());  // torch.load, torch.hub.* ...
  CHECK(GlobalPolicy::builtin_danger_overlap("__builtin__.eval") == "builtins.eval");
  CHECK(!GlobalPolicy::builtin_danger_overlap("sklearn.*"));
}

TEST_CASE("model detector accepts its parameters", "[model]") {
  auto built = build(R"(type = "model"
extra_safe_globals = ["__main__.Net", "sklearn.*"]
extra_dangerous_globals = ["mypkg.hooks.*"]
max_scan_bytes = 1048576)");
  REQUIRE(built.finished);
  REQUIRE(built.detector);
  CHECK(!built.detector->wants_lines());
  CHECK(!built.detector->prefilter());

  // __main__.Net is now safe; mypkg.hooks.run is now dangerous.
  CHECK(scan(*built.detector, "net.pkl", "\x80\x04\x8c\x08__main__\x8c\x03Net\x93)\x81.").empty());
  auto hits = scan(*built.detector, "hook.pkl", "cmypkg.hooks\nrun\n)R.");
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].severity == Severity::kBlock);
  CHECK(hits[0].detail == "pickle imports mypkg.hooks.run (dangerous: listed in extra_dangerous_globals)");
}

TEST_CASE("model detector rejects bad parameters with the file, line and reason", "[model]") {
  struct Case {
    const char* snippet;
    const char* error;
  };
  const Case cases[] = {
      {"type = \"model\"\nextra_safe_globals = [\"Net\"]", "policy.toml:2: rule 'unsafe-pickle-model': detector.extra_safe_globals: 'Net': must be"},
      {"type = \"model\"\nextra_safe_globals = [\"os.path.join\"]", "covers the built-in dangerous global 'os.*'"},
      {"type = \"model\"\nextra_dangerous_globals = [\"a.b-c\"]", "'b-c' is not a Python identifier"},
      {"type = \"model\"\nextra_dangerous_globals = \"os.system\"", "must be an array of strings"},
      {"type = \"model\"\nmax_scan_bytes = \"1G\"", "must be an integer"},
      {"type = \"model\"\nmax_scan_bytes = 10", "must be at least 4096"},
      {"type = \"model\"\nallow = []", "detector.allow: unknown key"},
  };
  for (const auto& c : cases) {
    INFO(c.snippet);
    auto built = build(c.snippet);
    REQUIRE(!built.finished);
    CHECK_THAT(built.finished.error().message, Catch::Contains(c.error));
  }
}

TEST_CASE("model detector stays silent and cheap on files that are not models", "[model]") {
  auto built = build("type = \"model\"");
  REQUIRE(built.detector);
  const char* contents[] = {
      "", "import torch\nmodel = torch.load('x.pt', weights_only=True)\n", "{\"a\": [1, 2]}\n", "# README\n",
      "def f():\n    return 1\n", "(c) 2024 Example Corp\nAll rights reserved.\n", "\x7f" "ELF\x02\x01\x01",
      "GIF89a\x01\x00\x01\x00", "PK\x05\x06", "cat\ndog\n",
  };
  for (const char* content : contents) {
    INFO(content);
    CHECK(scan(*built.detector, "file.txt", content).empty());
  }
}

TEST_CASE("model detector limits the findings it lists per file", "[model]") {
  auto built = build("type = \"model\"");
  std::string pickle = "(";
  for (int i = 0; i < 150; ++i) pickle += "cmod" + std::to_string(i) + "\nC\n";
  pickle += "t.";
  auto hits = scan(*built.detector, "many.pkl", pickle);
  REQUIRE(hits.size() == 101);
  CHECK(hits.back().detail == "50 more model findings not listed");
  CHECK(hits.back().severity == Severity::kWarn);
}

// Text is the common case: nothing to report unless the bytes really are a
// pickle, or the name promises one (or safetensors) and they are not.
TEST_CASE("model detector: plain text is quiet, text that is a pickle or under a model name is not", "[model]") {
  auto built = build(R"(type = "model")");
  REQUIRE(built.detector);
  CHECK(scan(*built.detector, "README.md", "# Title\n\nSome text.\n").empty());
  CHECK(scan(*built.detector, "src/app.py", "from x import y\n").empty());
  CHECK(scan(*built.detector, "src/app.py", "import os\nprint(os.name)\n").empty());  // 'i' is an opcode
  CHECK(scan(*built.detector, "empty.pkl", "").empty());
  // A protocol 0 pickle is printable text; it is found whatever the file's name.
  const std::string text_pickle = "cos\nsystem\n(S'id'\ntR.";
  CHECK_FALSE(scan(*built.detector, "notes.txt", text_pickle).empty());
  // Under a pickle or safetensors name, text that is neither is reported.
  CHECK_FALSE(scan(*built.detector, "model.pkl", "# Title\n").empty());
  CHECK_FALSE(scan(*built.detector, "weights/model.PKL.gz", "# Title\n").empty());
  CHECK_FALSE(scan(*built.detector, "model.safetensors", "# Title\n").empty());
}
