#include "detect/notebook.h"

#include <fmt/format.h>

#include <simdjson.h>

#include <array>
#include <map>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "detect/notebook_payloads.h"
#include "util/nesting_depth.h"

namespace refguard::detect {

namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// JSON outputs are re-serialized, and dump() recurses; a hostile notebook
// must not be able to overflow the stack with deeply nested arrays.
constexpr int kMaxOutputDepth = 64;

// nbformat 3 stores display data under short names next to output_type.
constexpr std::array<std::pair<std::string_view, bool>, 6> kV3Mimes = {{
    {"text", false}, {"html", false}, {"markdown", false}, {"latex", false}, {"javascript", false}, {"json", true},
}};

// A notebook nested this deep is no notebook; refusing it before parsing
// keeps every walk of the tree (and anything added later) off the worker's
// stack.
constexpr size_t kMaxDocumentDepth = 256;

// Documents up to this size reuse the thread's parser (its buffers grow to
// the largest document parsed and stay); larger ones get a parser of their
// own, freed with them.
constexpr size_t kMaxReusedParserBytes = 4u << 20;

// A parsed notebook: the element refers into `parser`, which must outlive it.
struct Parsed {
  std::unique_ptr<simdjson::dom::parser> own_parser;  // for a large document
  std::string canonical;                              // what simdjson parsed, when nlohmann had to read it first
  element root;
};

// nlohmann's reading of JSON is the reference (its errors name the line and
// column; what it accepts, Python's json and so Jupyter accept): a document
// simdjson refuses (an integer beyond 64 bits, say) is read by nlohmann and,
// when valid, parsed again from nlohmann's canonical dump, so no JSON that
// Jupyter opens falls back to the plain-text scan by this route.
Expected<std::string> canonical_json(std::string_view text) {
  try {
    return nlohmann::json::parse(text).dump();
  } catch (const nlohmann::json::parse_error& e) {
    // what() is "[json.exception.parse_error.101] parse error at line 3, column 5: ...; last read: '...'".
    // The "last read" tail may quote a secret from the file, so it is dropped.
    std::string_view why = e.what();
    if (auto bracket = why.find("] "); bracket != std::string_view::npos) why.remove_prefix(bracket + 2);
    if (auto tail = why.find("; last read"); tail != std::string_view::npos) why = why.substr(0, tail);
    return fail(fmt::format("not valid JSON: {}", why));
  } catch (const nlohmann::json::exception& e) {
    // e.g. out_of_range.406 for a number too large for a double ("1e999").
    return fail("not valid JSON: a number is out of range");
  }
}

// Parses with simdjson (twenty times nlohmann's speed on notebooks, whose
// parse was a tenth of a whole-history scan's CPU).
Expected<void> parse_json(std::string_view raw, Parsed& parsed) {
  // Images and other binary outputs are never read: blanked first, they are
  // not copied into the parser's string buffer.
  const std::optional<std::string> stripped = without_binary_payloads(raw);
  const std::string_view text = stripped ? std::string_view(*stripped) : raw;
  if (json_nesting_depth(text, kMaxDocumentDepth) > kMaxDocumentDepth)
    return fail(fmt::format("nests deeper than {} levels; not read", kMaxDocumentDepth));
  thread_local simdjson::dom::parser reused;
  simdjson::dom::parser* parser = &reused;
  if (text.size() > kMaxReusedParserBytes) {
    parsed.own_parser = std::make_unique<simdjson::dom::parser>();
    parser = parsed.own_parser.get();
  }
  if (parser->parse(text.data(), text.size()).get(parsed.root) == simdjson::SUCCESS) return {};
  auto canonical = canonical_json(text);
  if (!canonical) return std::unexpected(canonical.error());
  parsed.canonical = std::move(*canonical);
  if (auto error = parser->parse(parsed.canonical).get(parsed.root); error != simdjson::SUCCESS)
    return fail(fmt::format("not valid JSON: {}", simdjson::error_message(error)));
  return {};
}

// The member named `key` of an object (none of anything else); the last one
// when a hostile file repeats it, as Python's json (and so Jupyter) reads it.
std::optional<element> member(const element& value, std::string_view key) {
  object fields;
  if (value.get(fields) != simdjson::SUCCESS) return std::nullopt;
  std::optional<element> found;
  for (auto field : fields)
    if (field.key == key) found = field.value;
  return found;
}

bool deeper_than(const element& value, int limit) {
  if (!value.is_array() && !value.is_object()) return false;
  if (limit == 0) return true;
  array items;
  if (value.get(items) == simdjson::SUCCESS) {
    for (auto child : items)
      if (deeper_than(child, limit - 1)) return true;
    return false;
  }
  object fields;
  if (value.get(fields) == simdjson::SUCCESS)
    for (auto field : fields)
      if (deeper_than(field.value, limit - 1)) return true;
  return false;
}

// An nbformat "multiline string": one string, or an array of strings that
// already end in "\n" and are joined as they are.
Expected<std::string> multiline(const element& value, std::string_view where) {
  std::string_view one;
  if (value.get(one) == simdjson::SUCCESS) return std::string(one);
  auto bad = [&] { return fail(fmt::format("{} must be a string or an array of strings", where)); };
  array parts;
  if (value.get(parts) != simdjson::SUCCESS) return bad();
  std::string text;
  for (auto part : parts) {
    std::string_view piece;
    if (part.get(piece) != simdjson::SUCCESS) return bad();
    text += piece;
  }
  return text;
}

// A string member, or "" when it is missing or of another type.
std::string string_field(const element& object, std::string_view key) {
  std::string_view text;
  auto field = member(object, key);
  return field && field->get(text) == simdjson::SUCCESS ? std::string(text) : std::string();
}

// A traceback is a list of lines without newlines.
std::string traceback(const element& output) {
  array lines;
  auto field = member(output, "traceback");
  if (!field || field->get(lines) != simdjson::SUCCESS)
    return fmt::format("{}: {}", string_field(output, "ename"), string_field(output, "evalue"));
  std::string text;
  for (auto line : lines) {
    std::string_view piece;
    if (line.get(piece) == simdjson::SUCCESS) text.append(piece).append("\n");
  }
  return text;
}

class ChunkCollector {
 public:
  Expected<void> add_source(uint32_t cell, const element& value, bool prose) {
    auto text = multiline(value, fmt::format("cell {}: source", cell));
    if (!text) return std::unexpected(text.error());
    if (!text->empty()) chunks_.push_back(NotebookChunk{cell, false, std::move(*text), prose});
    return {};
  }

  Expected<void> add_outputs(uint32_t cell, const element& outputs) {
    array list;
    if (outputs.get(list) != simdjson::SUCCESS) return fail(fmt::format("cell {}: outputs must be an array", cell));
    uint32_t number = 0;
    for (auto output : list) {
      const std::string where = fmt::format("cell {}: output {}", cell, ++number);
      if (!output.is_object()) return fail(where + " is not a JSON object");
      if (auto added = add_output(cell, output, where); !added) return added;
    }
    return {};
  }

  std::vector<NotebookChunk> take() { return std::move(chunks_); }

 private:
  Expected<void> add_output(uint32_t cell, const element& output, const std::string& where) {
    const std::string type = string_field(output, "output_type");
    if (type == "stream") {
      auto text = member(output, "text");
      return text ? add_value(cell, false, *text, where + ": text") : Expected<void>{};
    }
    if (type == "error" || type == "pyerr") {
      add(cell, true, traceback(output));
      return {};
    }
    if (type != "execute_result" && type != "display_data" && type != "update_display_data" && type != "pyout")
      return {};
    object data;
    if (auto field = member(output, "data"); field && field->get(data) == simdjson::SUCCESS) {
      // In the order of their names, one value per name (the last).
      std::map<std::string_view, element> by_mime;
      for (auto field_of_data : data) by_mime[field_of_data.key] = field_of_data.value;
      for (const auto& [mime, value] : by_mime) {
        if (!is_text_mime(mime) && !is_json_mime(mime)) continue;  // base64 images, PDFs, widgets' binary
        if (auto added = add_value(cell, is_json_mime(mime), value, fmt::format("{}: {}", where, mime)); !added)
          return added;
      }
    }
    for (const auto& [key, is_json] : kV3Mimes) {
      if (auto value = member(output, key))
        if (auto added = add_value(cell, is_json, *value, fmt::format("{}: {}", where, key)); !added) return added;
    }
    return {};
  }

  Expected<void> add_value(uint32_t cell, bool is_json, const element& value, const std::string& where) {
    if (is_json && !value.is_string()) {
      if (deeper_than(value, kMaxOutputDepth))
        return fail(fmt::format("{} nests deeper than {} levels", where, kMaxOutputDepth));
      // Re-serialised as nlohmann prints it (one member per line), so that
      // line rules see one value per line. Rare: JSON outputs only.
      try {
        add(cell, true,
            nlohmann::json::parse(simdjson::minify(value)).dump(1, ' ', false, nlohmann::json::error_handler_t::replace));
      } catch (const nlohmann::json::exception&) {
        return fail(where + " cannot be re-serialised");
      }
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
Expected<void> for_each_cell(const element& doc, Visit&& visit) {
  if (!doc.is_object()) return fail("the top level is not a JSON object");
  int64_t format = 0;
  if (auto version = member(doc, "nbformat")) {
    if (version->get(format) != simdjson::SUCCESS) {
      uint64_t large = 0;
      if (version->get(large) != simdjson::SUCCESS) return fail("nbformat is not an integer");
      return fail(fmt::format("nbformat {} is not supported (only 3 and 4)", large));
    }
  } else {
    format = member(doc, "worksheets") ? 3 : 4;
  }
  if (format != 3 && format != 4) return fail(fmt::format("nbformat {} is not supported (only 3 and 4)", format));

  std::vector<array> cell_lists;
  array list;
  if (format == 4) {
    auto cells = member(doc, "cells");
    if (!cells || cells->get(list) != simdjson::SUCCESS) return fail("'cells' is missing or not an array");
    cell_lists.push_back(list);
  } else {
    auto sheets = member(doc, "worksheets");
    if (!sheets || sheets->get(list) != simdjson::SUCCESS) return fail("'worksheets' is missing or not an array");
    for (auto sheet : list) {
      array cells;
      if (auto field = member(sheet, "cells"); field && field->get(cells) == simdjson::SUCCESS) cell_lists.push_back(cells);
    }
  }
  uint32_t number = 0;
  for (const array& cells : cell_lists) {
    for (auto cell : cells) {
      ++number;
      if (!cell.is_object()) return fail(fmt::format("cell {} is not a JSON object", number));
      if (auto visited = visit(number, cell, static_cast<int>(format)); !visited) return visited;
    }
  }
  return {};
}

bool is_code(const element& cell) { return string_field(cell, "cell_type") == "code"; }

}  // namespace

Expected<std::vector<NotebookChunk>> parse_notebook(std::string_view text) {
  Parsed parsed;
  if (auto read = parse_json(text, parsed); !read) return std::unexpected(read.error());
  ChunkCollector collector;
  auto walked = for_each_cell(parsed.root, [&](uint32_t number, const element& cell, int format) -> Expected<void> {
    // nbformat 3 code cells keep their source under "input".
    const bool code = is_code(cell);
    if (auto source = member(cell, format == 3 && code ? "input" : "source"))
      if (auto added = collector.add_source(number, *source, !code); !added) return added;
    if (auto outputs = member(cell, "outputs")) return collector.add_outputs(number, *outputs);
    return {};
  });
  if (!walked) return std::unexpected(walked.error());
  return collector.take();
}

Expected<std::vector<uint32_t>> notebook_output_cells(std::string_view text) {
  Parsed parsed;
  if (auto read = parse_json(text, parsed); !read) return std::unexpected(read.error());
  std::vector<uint32_t> cells;
  auto walked = for_each_cell(parsed.root, [&](uint32_t number, const element& cell, int format) -> Expected<void> {
    if (!is_code(cell)) return {};
    array outputs;
    auto listed = member(cell, "outputs");
    const bool has_outputs = listed && listed->get(outputs) == simdjson::SUCCESS && outputs.size() > 0;
    auto count = member(cell, format == 3 ? "prompt_number" : "execution_count");
    const bool was_run = count && !count->is_null();
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
