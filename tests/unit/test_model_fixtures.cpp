// The model detector on realistic files: tests/fixtures/make_model_fixtures.py
// (python3, standard library only) writes malicious pickles of every dangerous
// family and protocol, benign torch/numpy/joblib models in their real
// container layouts, safetensors good and broken, truncated and corrupt
// pickles and pickles hidden under harmless names into a fresh temporary
// directory; every file it writes must be listed in kCases below.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <toml++/toml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "detect/model/byte_source.h"
#include "detect/model/model_detector.h"
#include "detect/model/model_scanner.h"
#include "detect/params.h"

namespace {

namespace fs = std::filesystem;
using namespace refguard::detect;

enum class Worst { kClean, kWarn, kBlock };

struct Case {
  const char* file;
  Worst worst;
  const char* detail;  // some hit's detail contains it ("" = no check)
  const char* where;   // some hit's where equals it (nullptr = no check)
};

constexpr Worst kClean = Worst::kClean, kWarn = Worst::kWarn, kBlock = Worst::kBlock;

// clang-format off
const Case kCases[] = {
    // ---------------------------------------------------------------- dangerous families (protocol 2 __reduce__ or raw GLOBAL)
    {"malicious/os_system.pkl", kBlock, "pickle imports posix.system (dangerous: runs shell commands)", nullptr},
    {"malicious/subprocess_popen.pkl", kBlock, "commands.Popen (dangerous: runs shell commands)", nullptr},
    {"malicious/subprocess_check_output.pkl", kBlock, "commands.check_output (dangerous", nullptr},
    {"malicious/builtins_eval.pkl", kBlock, "__builtin__.eval (dangerous: evaluates Python code)", nullptr},
    {"malicious/builtins_exec.pkl", kBlock, "__builtin__.exec (dangerous: evaluates Python code)", nullptr},
    {"malicious/builtins_getattr.pkl", kBlock, "__builtin__.getattr (dangerous: reaches arbitrary attributes", nullptr},
    {"malicious/builtins_import.pkl", kBlock, "__builtin__.__import__ (dangerous: imports arbitrary modules)", nullptr},
    {"malicious/builtins_open.pkl", kBlock, "io.open (dangerous: reads, writes or deletes files)", nullptr},
    {"malicious/runpy.pkl", kBlock, "runpy.run_path (dangerous", nullptr},
    {"malicious/socket.pkl", kBlock, "socket.create_connection (dangerous: opens network connections)", nullptr},
    {"malicious/operator_attrgetter.pkl", kBlock, "operator.attrgetter (dangerous", nullptr},
    {"malicious/operator_methodcaller.pkl", kBlock, "operator.methodcaller (dangerous", nullptr},
    {"malicious/itemgetter.pkl", kBlock, "operator.itemgetter (dangerous", nullptr},
    {"malicious/functools_partial.pkl", kBlock, "functools.partial (dangerous: calls arbitrary functions)", nullptr},
    {"malicious/webbrowser.pkl", kBlock, "webbrowser.open (dangerous: opens a web browser)", nullptr},
    {"malicious/shutil_rmtree.pkl", kBlock, "shutil.rmtree (dangerous", nullptr},
    {"malicious/importlib.pkl", kBlock, "importlib.import_module (dangerous", nullptr},
    {"malicious/pickle_loads.pkl", kBlock, "pickle.loads (dangerous: loads another pickle", nullptr},
    {"malicious/marshal_loads.pkl", kBlock, "marshal.loads (dangerous", nullptr},
    {"malicious/pty_spawn.pkl", kBlock, "pty.spawn (dangerous", nullptr},
    {"malicious/sys_exit.pkl", kBlock, "sys.exit (dangerous", nullptr},
    {"malicious/types_functiontype.pkl", kBlock, "types.FunctionType (dangerous", nullptr},
    {"malicious/numpy_runstring.pkl", kBlock, "numpy.testing._private.utils.runstring (dangerous", nullptr},
    {"malicious/torch_load.pkl", kBlock, "torch.load (dangerous", nullptr},
    {"malicious/asyncio_subprocess.pkl", kBlock, "asyncio.subprocess.create_subprocess_shell (dangerous", nullptr},
    {"malicious/code_interact.pkl", kBlock, "code.interact (dangerous", nullptr},
    {"malicious/ctypes_cdll.pkl", kBlock, "ctypes.CDLL (dangerous: calls native code)", nullptr},
    {"malicious/requests_get.pkl", kBlock, "requests.api.get (dangerous", nullptr},
    {"malicious/urllib_urlopen.pkl", kBlock, "urllib.request.urlopen (dangerous", nullptr},
    {"malicious/httplib.pkl", kBlock, "httplib.HTTPConnection (dangerous", nullptr},
    {"malicious/http_client.pkl", kBlock, "http.client.HTTPSConnection (dangerous", nullptr},
    {"malicious/commands.pkl", kBlock, "commands.getoutput (dangerous", nullptr},
    {"malicious/pdb.pkl", kBlock, "pdb.set_trace (dangerous", nullptr},
    {"malicious/timeit.pkl", kBlock, "timeit.timeit (dangerous", nullptr},
    {"malicious/dill_create_code.pkl", kBlock, "dill._dill._create_code (dangerous", nullptr},
    {"malicious/builtin_py2_eval.pkl", kBlock, "__builtin__.eval (dangerous", nullptr},
    {"malicious/nt_system.pkl", kBlock, "nt.system (dangerous", nullptr},
    {"malicious/breakpoint.pkl", kBlock, "builtins.breakpoint (dangerous", nullptr},
    {"malicious/input.pkl", kBlock, "builtins.input (dangerous", nullptr},
    {"malicious/compile.pkl", kBlock, "builtins.compile (dangerous", nullptr},
    {"malicious/second_pickle.pkl", kBlock, "posix.system (dangerous: runs shell commands) (pickle #2 at byte", "pickle #2 at byte 21"},
    // ---------------------------------------------------------------- every protocol
    {"protocols/os_system_p0.pkl", kBlock, "posix.system (dangerous", nullptr},
    {"protocols/os_system_p1.pkl", kBlock, "posix.system (dangerous", nullptr},
    {"protocols/os_system_p2.pkl", kBlock, "posix.system (dangerous", nullptr},
    {"protocols/os_system_p3.pkl", kBlock, "posix.system (dangerous", nullptr},
    {"protocols/os_system_p4.pkl", kBlock, "posix.system (dangerous", nullptr},
    {"protocols/os_system_p5.pkl", kBlock, "posix.system (dangerous", nullptr},
    {"protocols/eval_p0.pkl", kBlock, "__builtin__.eval (dangerous", nullptr},
    {"protocols/eval_p1.pkl", kBlock, "__builtin__.eval (dangerous", nullptr},
    {"protocols/eval_p2.pkl", kBlock, "__builtin__.eval (dangerous", nullptr},
    {"protocols/eval_p3.pkl", kBlock, "builtins.eval (dangerous", nullptr},
    {"protocols/eval_p4.pkl", kBlock, "builtins.eval (dangerous", nullptr},
    {"protocols/eval_p5.pkl", kBlock, "builtins.eval (dangerous", nullptr},
    // ---------------------------------------------------------------- obfuscation
    {"obfuscated/memo_stack_global.pkl", kBlock, "os.system (dangerous", nullptr},
    {"obfuscated/long_memo.pkl", kBlock, "posix.system (dangerous", nullptr},
    {"obfuscated/string_escape.pkl", kBlock, "os.system (dangerous", nullptr},
    {"obfuscated/unicode_escape.pkl", kBlock, "os.system (dangerous", nullptr},
    {"obfuscated/inst.pkl", kBlock, "os.system (dangerous", nullptr},
    {"obfuscated/obj.pkl", kBlock, "os.system (dangerous", nullptr},
    {"obfuscated/newobj.pkl", kBlock, "subprocess.Popen (dangerous", nullptr},
    {"obfuscated/newobj_ex.pkl", kBlock, "subprocess.Popen (dangerous", nullptr},
    {"obfuscated/attribute_path.pkl", kBlock, "pathlib.os.system (dangerous: runs shell commands (reached through an attribute path))", nullptr},
    {"obfuscated/dunder_path.pkl", kBlock, "builtins.object.__subclasses__ (dangerous: walks to __subclasses__", nullptr},
    {"obfuscated/framed_p5.pkl", kBlock, "posix.system (dangerous", nullptr},
    // ---------------------------------------------------------------- benign pickles: torch state dicts and plain data
    {"benign/data_p0.pkl", kClean, "", nullptr},
    {"benign/data_p1.pkl", kClean, "", nullptr},
    {"benign/data_p2.pkl", kClean, "", nullptr},
    {"benign/data_p3.pkl", kClean, "", nullptr},
    {"benign/data_p4.pkl", kClean, "", nullptr},
    {"benign/data_p5.pkl", kClean, "", nullptr},
    {"benign/out_of_band_p5.pkl", kClean, "", nullptr},
    {"benign/state_dict_p0.pkl", kClean, "", nullptr},
    {"benign/state_dict_p1.pkl", kClean, "", nullptr},
    {"benign/state_dict_p2.pkl", kClean, "", nullptr},
    {"benign/state_dict_p3.pkl", kClean, "", nullptr},
    {"benign/state_dict_p4.pkl", kClean, "", nullptr},
    {"benign/state_dict_p5.pkl", kClean, "", nullptr},
    {"benign/two_pickles.pkl", kClean, "", nullptr},
    // ---------------------------------------------------------------- unknown globals warn
    {"unknown/main_class.pkl", kWarn, "pickle imports __main__.Net (unknown global", nullptr},
    {"unknown/sklearn.pkl", kWarn, "sklearn.linear_model._base.LinearRegression (unknown global", nullptr},
    {"unknown/load_from_bytes.pkl", kWarn, "torch.storage._load_from_bytes (unknown global", nullptr},
    {"unknown/extension_code.pkl", kWarn, "copyreg extension code 5", nullptr},
    // ---------------------------------------------------------------- PyTorch zip and legacy checkpoints
    {"torch/model.pt", kClean, "", nullptr},
    {"torch/pytorch_model.bin", kClean, "", nullptr},
    {"torch/checkpoint.ckpt", kClean, "", nullptr},
    {"torch/weights.dat", kClean, "", nullptr},
    {"torch/malicious.pt", kBlock, "pickle imports posix.system (dangerous: runs shell commands) in archive member archive/data.pkl", "archive/data.pkl"},
    {"torch/malicious_deflated.pth", kBlock, "commands.Popen (dangerous: runs shell commands) in archive member archive/data.pkl", "archive/data.pkl"},
    {"torch/hidden_member.pt", kBlock, "builtins.exec (dangerous: evaluates Python code) in archive member archive/notes.txt", "archive/notes.txt"},
    {"torch/truncated_data_pkl.pt", kBlock, "pickle cannot be parsed at byte", "archive/data.pkl"},
    {"torch/corrupt_directory.pt", kBlock, "cannot parse the model's zip archive", nullptr},
    {"torch/legacy.pt", kClean, "", nullptr},
    {"torch/legacy_malicious.pth", kBlock, "posix.system (dangerous: runs shell commands) (pickle #4 at byte", nullptr},
    {"torch/unknown_class.pt", kWarn, "__main__.Net (unknown global", "archive/data.pkl"},
    // ---------------------------------------------------------------- numpy
    {"numpy/numeric.npy", kClean, "", nullptr},
    {"numpy/objects.npy", kClean, "", nullptr},
    {"numpy/object_malicious.npy", kBlock, "posix.system (dangerous: runs shell commands) (object array, dtype |O)", nullptr},
    {"numpy/structured_object_malicious.npy", kBlock, "builtins.eval (dangerous", nullptr},
    {"numpy/bad_header.npy", kBlock, "cannot parse the .npy header", nullptr},
    {"numpy/arrays.npz", kClean, "", nullptr},
    {"numpy/compressed.npz", kClean, "", nullptr},
    {"numpy/malicious.npz", kBlock, "posix.system (dangerous: runs shell commands) in archive member y.npy (object array, dtype |O)", "y.npy"},
    {"numpy/compressed_malicious.npz", kBlock, "posix.system (dangerous", "y.npy"},
    // ---------------------------------------------------------------- joblib: arrays inside the pickle stream, compressed dumps
    {"joblib/model_p2.joblib", kClean, "", nullptr},
    {"joblib/model_p3.joblib", kClean, "", nullptr},
    {"joblib/model_p4.joblib", kClean, "", nullptr},
    {"joblib/model_p5.joblib", kClean, "", nullptr},
    {"joblib/malicious.joblib", kBlock, "posix.system (dangerous", nullptr},
    {"joblib/object_array_malicious.joblib", kBlock, "__builtin__.eval (dangerous", nullptr},
    {"joblib/model_zlib.joblib", kClean, "", nullptr},
    {"joblib/malicious_zlib.joblib", kBlock, "posix.system (dangerous: runs shell commands) (zlib-compressed data)", nullptr},
    {"joblib/malicious.pkl.gz", kBlock, "posix.system (dangerous: runs shell commands) (gzip-compressed data)", nullptr},
    {"joblib/model_bz2.joblib", kWarn, "cannot inspect: the file is bz2-compressed", nullptr},
    {"joblib/model.joblib.xz", kWarn, "cannot inspect: the file is xz-compressed", nullptr},
    // ---------------------------------------------------------------- safetensors
    {"safetensors/good.safetensors", kClean, "", nullptr},
    {"safetensors/good_no_extension", kClean, "", nullptr},
    {"safetensors/empty.safetensors", kClean, "", nullptr},
    {"safetensors/broken_length_past_end.safetensors", kBlock, "header length 1000000 runs past the end", nullptr},
    {"safetensors/broken_not_json.safetensors", kBlock, "not a JSON object", nullptr},
    {"safetensors/broken_offsets_out_of_range.safetensors", kBlock, "safetensors header is invalid: tensor 'a' shape [4] of F32 needs 128 bits but data_offsets span 100 bytes", nullptr},
    {"safetensors/broken_shape_mismatch.safetensors", kBlock, "tensor 'a' shape [3,3] of F32", nullptr},
    {"safetensors/broken_unknown_dtype.safetensors", kBlock, "unknown dtype \"F33\"", nullptr},
    {"safetensors/broken_overlap.safetensors", kBlock, "tensor 'b' overlaps", nullptr},
    {"safetensors/broken_gap.safetensors", kBlock, "a gap of unused bytes precedes tensor 'b'", nullptr},
    {"safetensors/broken_pickle_inside.safetensors", kBlock, "safetensors header is invalid", nullptr},
    // ---------------------------------------------------------------- truncated and corrupt pickles fail closed
    {"corrupt/truncated.pkl", kBlock, "at byte 240: truncated: the data ends before STOP", nullptr},
    {"corrupt/unknown_opcode.pkl", kBlock, "pickle cannot be parsed at byte 2: unknown opcode 0xff", nullptr},
    {"corrupt/stack_underflow.pkl", kBlock, "at byte 2: stack underflow at REDUCE", nullptr},
    {"corrupt/memo_missing.pkl", kBlock, "memo index 5, which was never stored", nullptr},
    {"corrupt/huge_binunicode.pkl", kBlock, "BINUNICODE declares 2147483647 bytes but only 3 remain", nullptr},
    {"corrupt/huge_binunicode8.pkl", kBlock, "BINUNICODE8 declares 9223372036854775808 bytes", nullptr},
    {"corrupt/huge_frame.pkl", kBlock, "FRAME declares 1099511627776 bytes", nullptr},
    {"corrupt/no_stop.pkl", kBlock, "the data ends", nullptr},
    {"corrupt/no_mark.pkl", kBlock, "TUPLE without a MARK", nullptr},
    {"corrupt/odd_setitems.pkl", kBlock, "odd number of items for SETITEMS", nullptr},
    {"corrupt/protocol_6.pkl", kBlock, "unsupported pickle protocol 6", nullptr},
    {"corrupt/stack_global_not_str.pkl", kBlock, "STACK_GLOBAL module is not a str", nullptr},
    {"corrupt/negative_binstring.pkl", kBlock, "BINSTRING has a negative byte count", nullptr},
    {"corrupt/text.pkl", kBlock, "unknown opcode 0x7b", nullptr},
    // ---------------------------------------------------------------- pickles under harmless names, and files that are not pickles
    {"hidden/weights.txt", kBlock, "posix.system (dangerous", nullptr},
    {"hidden/data.json", kBlock, "subprocess.Popen (dangerous", nullptr},
    {"hidden/notes.md", kBlock, "os.system (dangerous", nullptr},
    {"hidden/benign.txt", kClean, "", nullptr},
    {"hidden/readme.txt", kClean, "", nullptr},
    {"hidden/class.py", kClean, "", nullptr},
    {"hidden/random.bin", kClean, "", nullptr},
    {"hidden/config.json", kClean, "", nullptr},
};
// clang-format on

// The fixtures, generated once per test run and removed at exit.
class FixtureDir {
 public:
  FixtureDir() {
    std::string pattern = (fs::temp_directory_path() / "refguard-model-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
    // tests/data may not exist, so build the path lexically rather than through "..".
    fs::path script = fs::path(REFGUARD_TEST_DATA).parent_path() / "fixtures" / "make_model_fixtures.py";
    std::string command = fmt::format("python3 '{}' '{}'", script.string(), path_.string());
    if (std::system(command.c_str()) != 0) {
      std::error_code ignored;
      fs::remove_all(path_, ignored);
      throw std::runtime_error("cannot generate the model fixtures (is python3 installed?): " + command);
    }
  }
  ~FixtureDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

const fs::path& fixtures() {
  static FixtureDir dir;
  return dir.path();
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::unique_ptr<Detector> default_detector() {
  const toml::table table = toml::parse(R"(type = "model")");
  DetectorParams params(table, "test.toml", "unsafe-pickle-model");
  auto detector = make_model_detector(params);
  REQUIRE(params.finish());
  return detector;
}

Worst worst_of(const std::vector<Hit>& hits) {
  Worst worst = kClean;
  for (const auto& hit : hits)
    if (hit.severity == Severity::kBlock) worst = kBlock;
    else if (worst == kClean) worst = kWarn;
  return worst;
}

std::string describe(const std::vector<Hit>& hits) {
  std::string text;
  for (const auto& hit : hits)
    text += fmt::format("  [{}] {} | where={}\n", hit.severity == Severity::kBlock ? "block" : "warn", hit.detail, hit.where);
  return text.empty() ? "  (no hits)\n" : text;
}

}  // namespace

TEST_CASE("model detector judges every generated fixture as expected", "[model]") {
  auto detector = default_detector();
  model::ModelScanner file_scanner{model::GlobalPolicy{}, model::ModelScanOptions{}};
  for (const auto& c : kCases) {
    fs::path path = fixtures() / c.file;
    REQUIRE(fs::exists(path));
    // Through the detector (in memory, as the engine calls it)...
    std::string content = read_all(path);
    FileView view;
    view.path = c.file;
    view.content = content;
    std::vector<Hit> hits;
    detector->scan_file(view, hits);
    INFO(c.file << "\n" << describe(hits));
    CHECK(worst_of(hits) == c.worst);
    if (*c.detail)
      CHECK(std::any_of(hits.begin(), hits.end(), [&](const Hit& h) { return h.detail.find(c.detail) != std::string::npos; }));
    if (c.where) CHECK(std::any_of(hits.begin(), hits.end(), [&](const Hit& h) { return h.where == c.where; }));
    for (const auto& hit : hits) CHECK(hit.line == 0);
    // ...and through the file-backed reader, which must agree.
    auto source = model::FileSource::open(path.string());
    REQUIRE(source);
    std::vector<Hit> from_file;
    file_scanner.scan(*source, c.file, from_file);
    CHECK(describe(from_file) == describe(hits));
  }
}

TEST_CASE("model fixture table covers every file the script writes", "[model]") {
  std::set<std::string> listed;
  for (const auto& c : kCases) listed.insert(c.file);
  size_t seen = 0;
  for (const auto& entry : fs::recursive_directory_iterator(fixtures())) {
    if (!entry.is_regular_file()) continue;
    std::string relative = fs::relative(entry.path(), fixtures()).generic_string();
    INFO(relative);
    CHECK(listed.contains(relative));
    ++seen;
  }
  CHECK(seen == listed.size());
}
