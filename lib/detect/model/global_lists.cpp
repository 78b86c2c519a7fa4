// The lists follow what malicious-model scanners (picklescan, modelscan,
// fickling) flag, and the allowlist of torch.load(weights_only=True).
#include "detect/model/global_lists.h"

#include <utility>

namespace refguard::detect::model {

namespace {

constexpr std::string_view kShell = "runs shell commands";
constexpr std::string_view kCode = "evaluates Python code";
constexpr std::string_view kImport = "imports arbitrary modules";
constexpr std::string_view kAttr = "reaches arbitrary attributes and calls them";
constexpr std::string_view kFiles = "reads, writes or deletes files";
constexpr std::string_view kNetwork = "opens network connections";
constexpr std::string_view kLoad = "loads another pickle or serialized code";
constexpr std::string_view kCall = "calls arbitrary functions";
constexpr std::string_view kNative = "calls native code";
constexpr std::string_view kProcess = "starts processes or threads";
constexpr std::string_view kInterp = "changes the running interpreter";
constexpr std::string_view kDebug = "starts a debugger or waits for input";
constexpr std::string_view kInstall = "installs packages or runs build commands";

constexpr DangerousGlobal kDangerous[] = {
    {"os.*", kShell}, {"posix.*", kShell}, {"nt.*", kShell}, {"_posixsubprocess.*", kShell},
    {"subprocess.*", kShell}, {"commands.*", kShell}, {"popen2.*", kShell}, {"pty.*", kShell},
    {"platform.popen", kShell}, {"pexpect.*", kShell}, {"pydoc.pipepager", kShell},
    {"pydoc.tempfilepager", kShell}, {"uuid._get_command_stdout", kShell}, {"uuid._popen", kShell},
    {"_osx_support._read_output", kShell}, {"_osx_support._find_build_tool", kShell},
    {"asyncio.subprocess.*", kShell}, {"asyncio.create_subprocess_exec", kShell},
    {"asyncio.create_subprocess_shell", kShell},
    {"builtins.eval", kCode}, {"builtins.exec", kCode}, {"builtins.compile", kCode},
    {"builtins.execfile", kCode}, {"builtins.__import__", kImport}, {"builtins.reload", kImport},
    {"builtins.getattr", kAttr}, {"builtins.setattr", kAttr}, {"builtins.delattr", kAttr},
    {"builtins.vars", kAttr}, {"builtins.globals", kAttr}, {"builtins.locals", kAttr},
    {"builtins.open", kFiles}, {"builtins.file", kFiles}, {"builtins.apply", kCall},
    {"builtins.breakpoint", kDebug}, {"builtins.input", kDebug}, {"builtins.raw_input", kDebug},
    {"builtins.help", kDebug}, {"builtins.exit", kInterp}, {"builtins.quit", kInterp},
    {"runpy.*", kCode}, {"code.*", kCode}, {"codeop.*", kCode}, {"timeit.*", kCode},
    {"trace.*", kCode}, {"profile.*", kCode}, {"cProfile.*", kCode}, {"doctest.*", kCode},
    {"idlelib.*", kCode}, {"numpy.testing._private.utils.runstring", kCode},
    {"numpy.testing.utils.runstring", kCode}, {"numpy.f2py.*", kInstall}, {"numpy.distutils.*", kInstall},
    {"types.CodeType", kCode}, {"types.FunctionType", kCode}, {"types.LambdaType", kCode},
    {"types.MethodType", kCode}, {"types.ModuleType", kCode}, {"dill._dill._create_code", kCode},
    {"dill._dill._create_function", kCode}, {"dill._dill._import_module", kImport},
    {"cloudpickle.cloudpickle._make_function", kCode}, {"cloudpickle.cloudpickle._builtin_type", kCode},
    {"torch._inductor.codecache.compile_file", kCode},
    {"pdb.*", kDebug}, {"bdb.*", kDebug},
    {"importlib.*", kImport}, {"imp.*", kImport}, {"pkgutil.*", kImport}, {"zipimport.*", kImport},
    {"operator.attrgetter", kAttr}, {"operator.itemgetter", kAttr}, {"operator.methodcaller", kAttr},
    {"_operator.attrgetter", kAttr}, {"_operator.itemgetter", kAttr}, {"_operator.methodcaller", kAttr},
    {"functools.partial", kCall}, {"functools.reduce", kCall}, {"_functools.*", kCall},
    {"pickle.*", kLoad}, {"_pickle.*", kLoad}, {"cPickle.*", kLoad}, {"marshal.*", kLoad},
    {"shelve.*", kLoad}, {"dill.load", kLoad}, {"dill.loads", kLoad}, {"dill._dill.load", kLoad},
    {"dill._dill.loads", kLoad}, {"cloudpickle.load", kLoad}, {"cloudpickle.loads", kLoad},
    {"torch.load", kLoad}, {"torch.serialization.load", kLoad}, {"torch.hub.*", kLoad},
    {"joblib.load", kLoad}, {"numpy.load", kLoad}, {"numpy.loads", kLoad},
    {"numpy.core.multiarray.loads", kLoad}, {"pandas.read_pickle", kLoad},
    {"pandas.io.pickle.read_pickle", kLoad}, {"keras.models.load_model", kLoad},
    {"socket.*", kNetwork}, {"_socket.*", kNetwork}, {"ssl.*", kNetwork}, {"socketserver.*", kNetwork},
    {"SocketServer.*", kNetwork}, {"requests.*", kNetwork}, {"urllib.*", kNetwork}, {"urllib2.*", kNetwork},
    {"urllib3.*", kNetwork}, {"httplib.*", kNetwork}, {"http.client.*", kNetwork}, {"http.server.*", kNetwork},
    {"httpx.*", kNetwork}, {"aiohttp.*", kNetwork}, {"ftplib.*", kNetwork}, {"smtplib.*", kNetwork},
    {"telnetlib.*", kNetwork}, {"poplib.*", kNetwork}, {"imaplib.*", kNetwork}, {"nntplib.*", kNetwork},
    {"xmlrpc.*", kNetwork}, {"xmlrpclib.*", kNetwork}, {"webbrowser.*", "opens a web browser"},
    {"shutil.*", kFiles}, {"io.open", kFiles}, {"_io.open", kFiles}, {"io.FileIO", kFiles},
    {"_io.FileIO", kFiles}, {"codecs.open", kFiles}, {"tempfile.*", kFiles},
    {"fileinput.*", kFiles}, {"linecache.*", kFiles},
    {"ctypes.*", kNative}, {"_ctypes.*", kNative}, {"cffi.*", kNative},
    {"multiprocessing.*", kProcess}, {"threading.*", kProcess}, {"_thread.*", kProcess},
    {"thread.*", kProcess}, {"concurrent.futures.*", kProcess}, {"asyncio.*", kProcess},
    {"signal.*", kProcess},
    {"sys.*", kInterp}, {"gc.*", kInterp}, {"inspect.*", kAttr}, {"site.*", kInterp}, {"atexit.*", kInterp},
    {"venv.*", kInstall}, {"ensurepip.*", kInstall}, {"pip.*", kInstall}, {"setuptools.*", kInstall},
    {"distutils.*", kInstall},
};

constexpr std::string_view kSafe[] = {
    // torch.load(weights_only=True) allowlist: rebuild helpers, storages, dtypes, layouts
    "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor_v3",
    "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state",
    "torch._utils._rebuild_qtensor", "torch._utils._rebuild_sparse_tensor",
    "torch._utils._rebuild_sparse_csr_tensor", "torch._utils._rebuild_meta_tensor_no_storage",
    "torch._utils._rebuild_nested_tensor", "torch._utils._rebuild_wrapper_subclass",
    "torch._utils._rebuild_device_tensor_from_numpy", "torch._utils._rebuild_device_tensor_from_cpu_tensor",
    "torch._utils._rebuild_xla_tensor", "torch._utils._rebuild_mps_tensor", "torch._tensor._rebuild_from_type_v2",
    "torch.serialization._get_layout", "torch.Size", "torch.Tensor", "torch.device",
    "torch.nn.parameter.Parameter", "torch.storage.TypedStorage", "torch.storage.UntypedStorage",
    "torch.DoubleStorage", "torch.FloatStorage", "torch.HalfStorage", "torch.LongStorage", "torch.IntStorage",
    "torch.ShortStorage", "torch.CharStorage", "torch.ByteStorage", "torch.BoolStorage", "torch.BFloat16Storage",
    "torch.ComplexDoubleStorage", "torch.ComplexFloatStorage", "torch.QUInt8Storage", "torch.QInt8Storage",
    "torch.QInt32Storage", "torch.QUInt4x2Storage", "torch.QUInt2x4Storage", "torch.UntypedStorage",
    "torch.cuda.DoubleStorage", "torch.cuda.FloatStorage", "torch.cuda.HalfStorage", "torch.cuda.LongStorage",
    "torch.cuda.IntStorage", "torch.cuda.ShortStorage", "torch.cuda.CharStorage", "torch.cuda.ByteStorage",
    "torch.cuda.BoolStorage", "torch.cuda.BFloat16Storage",
    "torch.float32", "torch.float", "torch.float64", "torch.double", "torch.float16", "torch.half",
    "torch.bfloat16", "torch.uint8", "torch.int8", "torch.int16", "torch.short", "torch.int32", "torch.int",
    "torch.int64", "torch.long", "torch.bool", "torch.complex32", "torch.complex64", "torch.complex128",
    "torch.cfloat", "torch.cdouble", "torch.quint8", "torch.qint8", "torch.qint32", "torch.quint4x2",
    "torch.quint2x4", "torch.float8_e4m3fn", "torch.float8_e5m2", "torch.float8_e4m3fnuz",
    "torch.float8_e5m2fnuz", "torch.uint16", "torch.uint32", "torch.uint64",
    "torch.per_tensor_affine", "torch.per_tensor_symmetric", "torch.per_channel_affine",
    "torch.per_channel_symmetric", "torch.per_channel_affine_float_qparams",
    "torch.strided", "torch.sparse_coo", "torch.sparse_csr", "torch.contiguous_format",
    "torch.channels_last", "torch.channels_last_3d", "torch.preserve_format",
    // numpy arrays and scalars (numpy 1 and numpy 2 module paths)
    "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct", "numpy.ndarray",
    "numpy.dtype", "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar",
    "numpy.core.numeric._frombuffer", "numpy._core.numeric._frombuffer", "numpy.ma.core._mareconstruct",
    "numpy.ma.core.MaskedArray", "numpy.dtypes.*",
    // joblib's array wrapper: the detector reads the array that follows it itself
    "joblib.numpy_pickle.NumpyArrayWrapper", "sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper",
    // containers and plain values
    "collections.OrderedDict", "collections.defaultdict", "collections.Counter", "collections.deque",
    "builtins.set", "builtins.frozenset", "builtins.slice", "builtins.complex", "builtins.bytearray",
    "builtins.bytes", "builtins.list", "builtins.dict", "builtins.tuple", "builtins.int", "builtins.float",
    "builtins.str", "builtins.bool", "builtins.range", "builtins.object", "builtins.Ellipsis",
    "_codecs.encode", "codecs.encode", "copyreg._reconstructor", "datetime.datetime", "datetime.date",
    "datetime.time", "datetime.timedelta", "datetime.timezone", "decimal.Decimal", "fractions.Fraction",
    "uuid.UUID",
};

constexpr std::string_view kAttributes[] = {
    "__globals__", "__builtins__", "__subclasses__", "__dict__", "__getattribute__", "__getattr__",
    "__class__", "__base__", "__bases__", "__mro__", "__code__", "__import__", "__loader__", "__spec__",
    "__reduce__", "__reduce_ex__", "__self__", "__func__", "__closure__", "__init__", "__new__",
    "__call__", "__module__", "f_globals", "f_locals", "gi_frame", "tb_frame",
};

constexpr std::pair<std::string_view, std::string_view> kPython2Modules[] = {
    {"__builtin__", "builtins"}, {"exceptions", "builtins"}, {"copy_reg", "copyreg"},
    {"commands", "subprocess"}, {"httplib", "http.client"}, {"urllib2", "urllib.request"},
    {"cPickle", "pickle"}, {"SocketServer", "socketserver"}, {"xmlrpclib", "xmlrpc.client"},
    {"BaseHTTPServer", "http.server"}, {"SimpleHTTPServer", "http.server"}, {"CGIHTTPServer", "http.server"},
    {"cookielib", "http.cookiejar"}, {"urlparse", "urllib.parse"}, {"thread", "_thread"},
    {"Queue", "queue"}, {"StringIO", "io"}, {"cStringIO", "io"}, {"UserDict", "collections"},
};

}  // namespace

std::span<const DangerousGlobal> builtin_dangerous_globals() { return kDangerous; }
std::span<const std::string_view> builtin_safe_globals() { return kSafe; }
std::span<const std::string_view> dangerous_attributes() { return kAttributes; }

std::string_view python3_module_name(std::string_view module) {
  for (const auto& [old_name, new_name] : kPython2Modules)
    if (module == old_name) return new_name;
  return module;
}

}  // namespace refguard::detect::model
