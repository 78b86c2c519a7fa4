#include "detect/model/pickle_opcodes.h"

#include <array>

namespace refguard::detect::model {

namespace {

struct Named {
  Op op;
  std::string_view name;
};

constexpr Named kNames[] = {
    {Op::kMark, "MARK"}, {Op::kStop, "STOP"}, {Op::kPop, "POP"}, {Op::kPopMark, "POP_MARK"},
    {Op::kDup, "DUP"}, {Op::kFloat, "FLOAT"}, {Op::kInt, "INT"}, {Op::kBinInt, "BININT"},
    {Op::kBinInt1, "BININT1"}, {Op::kLong, "LONG"}, {Op::kBinInt2, "BININT2"}, {Op::kNone, "NONE"},
    {Op::kPersId, "PERSID"}, {Op::kBinPersId, "BINPERSID"}, {Op::kReduce, "REDUCE"},
    {Op::kString, "STRING"}, {Op::kBinString, "BINSTRING"}, {Op::kShortBinString, "SHORT_BINSTRING"},
    {Op::kUnicode, "UNICODE"}, {Op::kBinUnicode, "BINUNICODE"}, {Op::kAppend, "APPEND"},
    {Op::kBuild, "BUILD"}, {Op::kGlobal, "GLOBAL"}, {Op::kDict, "DICT"}, {Op::kEmptyDict, "EMPTY_DICT"},
    {Op::kAppends, "APPENDS"}, {Op::kGet, "GET"}, {Op::kBinGet, "BINGET"}, {Op::kInst, "INST"},
    {Op::kLongBinGet, "LONG_BINGET"}, {Op::kList, "LIST"}, {Op::kEmptyList, "EMPTY_LIST"},
    {Op::kObj, "OBJ"}, {Op::kPut, "PUT"}, {Op::kBinPut, "BINPUT"}, {Op::kLongBinPut, "LONG_BINPUT"},
    {Op::kSetItem, "SETITEM"}, {Op::kTuple, "TUPLE"}, {Op::kEmptyTuple, "EMPTY_TUPLE"},
    {Op::kSetItems, "SETITEMS"}, {Op::kBinFloat, "BINFLOAT"}, {Op::kProto, "PROTO"},
    {Op::kNewObj, "NEWOBJ"}, {Op::kExt1, "EXT1"}, {Op::kExt2, "EXT2"}, {Op::kExt4, "EXT4"},
    {Op::kTuple1, "TUPLE1"}, {Op::kTuple2, "TUPLE2"}, {Op::kTuple3, "TUPLE3"}, {Op::kNewTrue, "NEWTRUE"},
    {Op::kNewFalse, "NEWFALSE"}, {Op::kLong1, "LONG1"}, {Op::kLong4, "LONG4"}, {Op::kBinBytes, "BINBYTES"},
    {Op::kShortBinBytes, "SHORT_BINBYTES"}, {Op::kShortBinUnicode, "SHORT_BINUNICODE"},
    {Op::kBinUnicode8, "BINUNICODE8"}, {Op::kBinBytes8, "BINBYTES8"}, {Op::kEmptySet, "EMPTY_SET"},
    {Op::kAddItems, "ADDITEMS"}, {Op::kFrozenSet, "FROZENSET"}, {Op::kNewObjEx, "NEWOBJ_EX"},
    {Op::kStackGlobal, "STACK_GLOBAL"}, {Op::kMemoize, "MEMOIZE"}, {Op::kFrame, "FRAME"},
    {Op::kByteArray8, "BYTEARRAY8"}, {Op::kNextBuffer, "NEXT_BUFFER"}, {Op::kReadOnlyBuffer, "READONLY_BUFFER"},
};

constexpr std::array<std::string_view, 256> make_table() {
  std::array<std::string_view, 256> table{};
  for (const auto& entry : kNames) table[static_cast<uint8_t>(entry.op)] = entry.name;
  return table;
}

}  // namespace

namespace detail {
constexpr std::array<std::string_view, 256> kOpcodeNames = make_table();
}

}  // namespace refguard::detect::model
