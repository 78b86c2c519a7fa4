#include "detect/notebook.h"

#include <fmt/format.h>

#include <array>
#include <nlohmann/json.hpp>

#include "detect/notebook_payloads.h"
#include "util/nesting_depth.h"

namespace refguard::detect {

namespace {

using nlohmann::json;

// JSON outputs are re-serialized, and dump() recurses; a hostile notebook
// must not be able to overflow the stack with deeply nested arrays.
constexpr int kMaxOutputDepth = 64;

// nbformat 3 stores display data under short names next to output_type.
constexpr std::array<std::pair<std::string_view, bool>, 6> kV3Mimes = {{
    {"text", false}, {"html", false}, {"markdown", false}, {"latex", false}, {"javascript", false}, {"json", true},
}};

// nlohmann's parser keeps its own stack on the heap, but a notebook nested
// this deep is no notebook; refusing it before parsing keeps every walk of
// the tree (and anything added later) off the worker's stack.
constexpr size_t kMaxDocumentDepth = 256;

Expected<json> parse_json(std::string_view raw) {
  // Images and other binary outputs are never read: blanked first, they cost
  // a walk from quote to quote instead of a byte-by-byte copy in the parser.
  const std::optional<std::string> stripped = without_binary_payloads(raw);
  const std::string_view text = stripped ? std::string_view(*stripped) : raw;
  if (json_nesting_depth(text, kMaxDocumentDepth) > kMaxDocumentDepth)
    return fail(fmt::format("nests deeper than {} levels; not read", kMaxDocumentDepth));
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    // what() is "[json.exception.parse_error.101] parse error at line 3, column 5: ...; last read: '...'".
    // The "last read" tail may quote a secret from the file, so it is dropped.
    std::string_view why = e.what();
    if (auto bracket = why.find("] "); bracket != std::string_view::npos) why.remove_prefix(bracket + 2);
    if (auto tail = why.find("; last read"); tail != std::string_view::npos) why = why.substr(0, tail);
    return fail(fmt::format("not valid JSON: {}", why));
  } catch (const json::exception& e) {
    // e.g. out_of_range.406 for a number too large for a double ("1e999").
    return fail("not valid JSON: a number is out of range");
  }
}

bool deeper_than(const json& value, int limit) {
  if (!value.is_structured()) return false;
  if (limit == 0) return true;
  for (const auto& child : value)
    if (deeper_than(child, limit - 1)) return true;
  return false;
}

// An nbformat "multiline string": one string, or an array of strings that
// already end in "\n" and are joined as they are.
Expected<std::string> multiline(const json& value, std::string_view where) {
  if (value.is_string()) return value.get<std::string>();
  if (!value.is_array()) return fail(fmt::format("{} must be a string or an array of strings", where));
  std::string text;
  for (const auto& part : value) {
    if (!part.is_string()) return fail(fmt::format("{} must be a string or an array of strings", where));
    text += part.get_ref<const std::string&>();
  }
  return text;
}

// A string member, or "" when it is missing or of another type (value() would throw).
std::string string_field(const json& object, const char* key) {
  const auto field = object.find(key);
  return field != object.end() && field->is_string() ? field->get<std::string>() : std::string();
}

// A traceback is a list of lines without newlines.
std::string traceback(const json& output) {
  const auto lines = output.find("traceback");
  if (lines == output.end() || !lines->is_array()) {
    return fmt::format("{}: {}", string_field(output, "ename"), string_field(output, "evalue"));
  }
  std::string text;
  for (const auto& line : *lines)
    if (line.is_string()) text += line.get_ref<const std::string&>() + "\n";
  return text;
}

class ChunkCollector {
 public:
  Expected<void> add_source(uint32_t cell, const json& value, bool prose) {
    auto text = multiline(value, fmt::format("cell {}: source", cell));
    if (!text) return std::unexpected(text.error());
    if (!text->empty()) chunks_.push_back(NotebookChunk{cell, false, std::move(*text), prose});
    return {};
  }

  Expected<void> add_outputs(uint32_t cell, const json& outputs) {
    if (!outputs.is_array()) return fail(fmt::format("cell {}: outputs must be an array", cell));
    uint32_t number = 0;
    for (const auto& output : outputs) {
      const std::string where = fmt::format("cell {}: output {}", cell, ++number);
      if (!output.is_object()) return fail(where + " is not a JSON object");
      if (auto added = add_output(cell, output, where); !added) return added;
    }
    return {};
  }

  std::vector<NotebookChunk> take() { return std::move(chunks_); }

 private:
  Expected<void> add_output(uint32_t cell, const json& output, const std::string& where) {
    const std::string type = string_field(output, "output_type");
    if (type == "stream") {
      if (!output.contains("text")) return {};
      return add_value(cell, false, output["text"], where + ": text");
    }
    if (type == "error" || type == "pyerr") {
      add(cell, true, traceback(output));
      return {};
    }
    if (type != "execute_result" && type != "display_data" && type != "update_display_data" && type != "pyout")
      return {};
    if (const auto data = output.find("data"); data != output.end() && data->is_object()) {
      for (const auto& [mime, value] : data->items()) {
        if (!is_text_mime(mime) && !is_json_mime(mime)) continue;  // base64 images, PDFs, widgets' binary
        if (auto added = add_value(cell, is_json_mime(mime), value, where + ": " + mime); !added) return added;
      }
    }
    for (const auto& [key, is_json] : kV3Mimes) {
      if (const auto value = output.find(key); value != output.end())
        if (auto added = add_value(cell, is_json, *value, fmt::format("{}: {}", where, key)); !added) return added;
    }
    return {};
  }

  Expected<void> add_value(uint32_t cell, bool is_json, const json& value, const std::string& where) {
    if (is_json && !value.is_string()) {
      if (deeper_than(value, kMaxOutputDepth))
        return fail(fmt::format("{} nests deeper than {} levels", where, kMaxOutputDepth));
      add(cell, true, value.dump(1, ' ', false, json::error_handler_t::replace));
      return {};
    }
    auto text = multiline(value, where);
    if (!text) return std::unexpected(text.error());
    add(cell, true, std::move(*text));
    return {};
  }

  void add(uint32_t cell, bool output, std::string text) {
    if (!text.empty()) chunks_.push_back(NotebookChunk{cell, output, std::move(text), false});
  }

  std::vector<NotebookChunk> chunks_;
};

// Calls visit(number, cell, format) for every cell of either format, in order.
template <class Visit>
Expected<void> for_each_cell(const json& doc, Visit&& visit) {
  if (!doc.is_object()) return fail("the top level is not a JSON object");
  int format = 0;
  if (const auto version = doc.find("nbformat"); version != doc.end()) {
    if (!version->is_number_integer()) return fail("nbformat is not an integer");
    format = version->get<int>();
  } else {
    format = doc.contains("worksheets") ? 3 : 4;
  }
  if (format != 3 && format != 4) return fail(fmt::format("nbformat {} is not supported (only 3 and 4)", format));

  std::vector<const json*> cell_lists;
  if (format == 4) {
    if (!doc.contains("cells") || !doc["cells"].is_array()) return fail("'cells' is missing or not an array");
    cell_lists.push_back(&doc["cells"]);
  } else {
    if (!doc.contains("worksheets") || !doc["worksheets"].is_array())
      return fail("'worksheets' is missing or not an array");
    for (const auto& sheet : doc["worksheets"])
      if (sheet.is_object() && sheet.contains("cells") && sheet["cells"].is_array()) cell_lists.push_back(&sheet["cells"]);
  }
  uint32_t number = 0;
  for (const json* cells : cell_lists) {
    for (const auto& cell : *cells) {
      ++number;
      if (!cell.is_object()) return fail(fmt::format("cell {} is not a JSON object", number));
      if (auto visited = visit(number, cell, format); !visited) return visited;
    }
  }
  return {};
}

bool is_code(const json& cell) { return string_field(cell, "cell_type") == "code"; }

}  // namespace

Expected<std::vector<NotebookChunk>> parse_notebook(std::string_view text) {
  auto doc = parse_json(text);
  if (!doc) return std::unexpected(doc.error());
  ChunkCollector collector;
  auto walked = for_each_cell(*doc, [&](uint32_t number, const json& cell, int format) -> Expected<void> {
    // nbformat 3 code cells keep their source under "input".
    const char* source_key = format == 3 && is_code(cell) ? "input" : "source";
    if (cell.contains(source_key))
      if (auto added = collector.add_source(number, cell[source_key], !is_code(cell)); !added) return added;
    if (cell.contains("outputs")) return collector.add_outputs(number, cell["outputs"]);
    return {};
  });
  if (!walked) return std::unexpected(walked.error());
  return collector.take();
}

Expected<std::vector<uint32_t>> notebook_output_cells(std::string_view text) {
  auto doc = parse_json(text);
  if (!doc) return std::unexpected(doc.error());
  std::vector<uint32_t> cells;
  auto walked = for_each_cell(*doc, [&](uint32_t number, const json& cell, int format) -> Expected<void> {
    if (!is_code(cell)) return {};
    const auto outputs = cell.find("outputs");
    const bool has_outputs = outputs != cell.end() && outputs->is_array() && !outputs->empty();
    const auto count = cell.find(format == 3 ? "prompt_number" : "execution_count");
    const bool was_run = count != cell.end() && !count->is_null();
    if (has_outputs || was_run) cells.push_back(number);
    return {};
  });
  if (!walked) return std::unexpected(walked.error());
  return cells;
}

bool notebook_has_outputs(std::string_view text) {
  auto cells = notebook_output_cells(text);
  return cells && !cells->empty();
}

}  // namespace refguard::detect
