#include <catch2/catch.hpp>
#include <toml++/toml.h>

#include <string>
#include <vector>

#include "detect/notebook.h"
#include "detect/notebook_outputs_detector.h"
#include "detect/notebook_payloads.h"

using namespace refguard::detect;

namespace {

// A run notebook: markdown, a code cell printing a key (escaped quotes and a
// \u escape in the JSON), a display_data with an image next to text, an error.
constexpr std::string_view kRunNotebook = R"nb({
 "nbformat": 4, "nbformat_minor": 5, "metadata": {},
 "cells": [
  {"cell_type": "markdown", "metadata": {}, "source": ["# Title\n", "Some *notes*"]},
  {"cell_type": "code", "execution_count": 3, "metadata": {},
   "source": ["import os\n", "key = os.environ[\"OPENAI_API_KEY\"]\n", "print(key)"],
   "outputs": [
    {"output_type": "stream", "name": "stdout", "text": ["token=\"sk-proj-\u0041bc123\"\n", "done\n"]},
    {"output_type": "execute_result", "execution_count": 3, "metadata": {},
     "data": {"text/plain": "{'k': 'v'}", "application/json": {"api_key": "AKIAEXAMPLE"}}}
   ]},
  {"cell_type": "code", "execution_count": null, "metadata": {}, "source": "plot()",
   "outputs": [
    {"output_type": "display_data", "metadata": {},
     "data": {"image/png": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk",
              "application/pdf": "JVBERi0xLjQK",
              "text/html": ["<b>chart</b>"]}}
   ]},
  {"cell_type": "code", "execution_count": 5, "metadata": {}, "source": "1/0",
   "outputs": [{"output_type": "error", "ename": "ZeroDivisionError", "evalue": "division by zero",
                "traceback": ["Traceback (most recent call last)", "ZeroDivisionError: division by zero"]}]},
  {"cell_type": "code", "execution_count": null, "metadata": {}, "source": [], "outputs": []}
 ]
})nb";

constexpr std::string_view kCleanNotebook = R"nb({
 "nbformat": 4, "nbformat_minor": 5, "metadata": {},
 "cells": [
  {"cell_type": "markdown", "metadata": {}, "source": "intro"},
  {"cell_type": "code", "execution_count": null, "metadata": {}, "source": "x = 1", "outputs": []}
 ]
})nb";

constexpr std::string_view kVersion3Notebook = R"nb({
 "nbformat": 3, "nbformat_minor": 0, "metadata": {},
 "worksheets": [{"cells": [
   {"cell_type": "heading", "level": 1, "source": ["Old ", "notebook"]},
   {"cell_type": "code", "language": "python", "prompt_number": 1,
    "input": ["print('hi')\n", "2 + 2"],
    "outputs": [
      {"output_type": "stream", "stream": "stdout", "text": ["hi\n"]},
      {"output_type": "pyout", "prompt_number": 1, "text": ["4"], "png": "iVBORw0KGgo=", "metadata": {}},
      {"output_type": "pyerr", "ename": "E", "evalue": "bad", "traceback": ["line one", "line two"]}
    ]}
 ]}]
})nb";

}  // namespace

TEST_CASE("parse_notebook returns decoded sources and textual outputs", "[notebook]") {
  auto chunks = parse_notebook(kRunNotebook);
  REQUIRE(chunks);
  struct Expected {
    uint32_t cell;
    bool output;
    std::string text;
  };
  const std::vector<Expected> expected = {
      {1, false, "# Title\nSome *notes*"},
      {2, false, "import os\nkey = os.environ[\"OPENAI_API_KEY\"]\nprint(key)"},
      {2, true, "token=\"sk-proj-Abc123\"\ndone\n"},
      {2, true, "{\n \"api_key\": \"AKIAEXAMPLE\"\n}"},
      {2, true, "{'k': 'v'}"},
      {3, false, "plot()"},
      {3, true, "<b>chart</b>"},
      {4, false, "1/0"},
      {4, true, "Traceback (most recent call last)\nZeroDivisionError: division by zero\n"},
  };
  REQUIRE(chunks->size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO("chunk " << i);
    CHECK((*chunks)[i].cell == expected[i].cell);
    CHECK((*chunks)[i].output == expected[i].output);
    CHECK((*chunks)[i].text == expected[i].text);
  }
  for (const auto& chunk : *chunks) {
    CHECK(chunk.text.find("iVBORw0KGgo") == std::string::npos);  // image/png never returned
    CHECK(chunk.text.find("JVBERi0") == std::string::npos);      // application/pdf never returned
    CHECK(chunk.text.find("\\\"") == std::string::npos);         // no JSON escapes left
  }
}

TEST_CASE("parse_notebook reads nbformat 3 worksheets", "[notebook]") {
  auto chunks = parse_notebook(kVersion3Notebook);
  REQUIRE(chunks);
  REQUIRE(chunks->size() == 5);
  CHECK((*chunks)[0].text == "Old notebook");
  CHECK((*chunks)[1].text == "print('hi')\n2 + 2");
  CHECK_FALSE((*chunks)[1].output);
  CHECK((*chunks)[2].text == "hi\n");
  CHECK((*chunks)[3].text == "4");
  CHECK((*chunks)[4].text == "line one\nline two\n");
  CHECK((*chunks)[4].cell == 2);
  CHECK(notebook_output_cells(kVersion3Notebook).value() == std::vector<uint32_t>{2});
}

TEST_CASE("parse_notebook names what is malformed", "[notebook]") {
  const std::vector<std::pair<std::string_view, const char*>> cases = {
      {"", "not valid JSON"},
      {R"({"cells": [)", "not valid JSON"},
      {R"({"cells": [], })", "not valid JSON"},
      {R"({"cells": [], "x": 78e775})", "not valid JSON: a number is out of range"},  // fuzz: threw out_of_range
      {R"([1, 2])", "top level is not a JSON object"},
      {R"({"nbformat": 4})", "'cells' is missing"},
      {R"({"nbformat": 4, "cells": {}})", "'cells' is missing or not an array"},
      {R"({"nbformat": "4", "cells": []})", "nbformat is not an integer"},
      {R"({"nbformat": 2, "cells": []})", "nbformat 2 is not supported"},
      {R"({"nbformat": 4, "cells": [7]})", "cell 1 is not a JSON object"},
      {R"({"cells": [{"cell_type": "code", "source": 12}]})", "cell 1: source must be a string or an array of strings"},
      {R"({"cells": [{"source": ""}, {"source": ["a", 1]}]})", "cell 2: source must be"},
      {R"({"cells": [{"cell_type": "code", "source": "", "outputs": {}}]})", "cell 1: outputs must be an array"},
      {R"({"cells": [{"cell_type": "code", "source": "", "outputs": [{"output_type": "stream", "text": 5}]}]})",
       "cell 1: output 1: text must be"},
      {R"({"cells": [{"cell_type": "code", "source": "", "outputs": [{"output_type": "display_data",
        "data": {"text/plain": {"x": 1}}}]}]})",
       "cell 1: output 1: text/plain must be"},
  };
  for (const auto& [json, mentions] : cases) {
    INFO(json);
    auto chunks = parse_notebook(json);
    REQUIRE_FALSE(chunks);
    CHECK_THAT(chunks.error().message, Catch::Contains(mentions));
  }
}

TEST_CASE("parse_notebook never quotes the file in a syntax error", "[notebook]") {
  auto chunks = parse_notebook(R"({"cells": [{"source": "sk-live-SECRETSECRET" x]})");
  REQUIRE_FALSE(chunks);
  CHECK_THAT(chunks.error().message, Catch::Contains("line 1"));
  CHECK(chunks.error().message.find("SECRET") == std::string::npos);
}

TEST_CASE("parse_notebook refuses deeply nested JSON outputs without crashing", "[notebook]") {
  const std::string nested = std::string(5000, '[') + std::string(5000, ']');
  const std::string notebook = R"({"cells": [{"cell_type": "code", "source": "", "outputs": [
    {"output_type": "display_data", "data": {"application/json": )" + nested + "}}]}]}";
  auto chunks = parse_notebook(notebook);
  REQUIRE_FALSE(chunks);
  CHECK_THAT(chunks.error().message, Catch::Contains("nests deeper than"));
}

TEST_CASE("notebook_output_cells lists run code cells", "[notebook]") {
  auto cells = notebook_output_cells(kRunNotebook);
  REQUIRE(cells);
  CHECK(*cells == std::vector<uint32_t>{2, 3, 4});
  CHECK(notebook_has_outputs(kRunNotebook));
  CHECK_FALSE(notebook_has_outputs(kCleanNotebook));
  CHECK_FALSE(notebook_has_outputs("not json"));
  CHECK_FALSE(notebook_output_cells("not json"));
}

TEST_CASE("notebook_outputs detector fires once for run notebooks", "[notebook]") {
  const toml::table table = toml::parse(R"(type = "notebook_outputs")");
  DetectorParams params(table, "test.toml", "rule-id");
  auto detector = make_notebook_outputs_detector(params);
  REQUIRE(params.finish());
  REQUIRE(detector);

  struct Case {
    const char* path;
    std::string_view content;
    const char* detail;  // nullptr = no hit
  };
  const std::vector<Case> cases = {
      {"analysis.ipynb", kRunNotebook, "notebook committed with outputs in 3 cells (first: cell 2)"},
      {"old/Notebook.IPYNB", kVersion3Notebook, "notebook committed with outputs in 1 cell (first: cell 2)"},
      {"clean.ipynb", kCleanNotebook, nullptr},
      {"broken.ipynb", "{ not json", nullptr},
      {"analysis.json", kRunNotebook, nullptr},
      {"ipynb", kRunNotebook, nullptr},
  };
  for (const auto& row : cases) {
    INFO(row.path);
    FileView file;
    file.path = row.path;
    file.content = row.content;
    std::vector<Hit> hits;
    detector->scan_file(file, hits);
    // Only notebook names: the engine skips the detector elsewhere.
    const bool notebook_name = std::string_view(row.path) != "analysis.json" && std::string_view(row.path) != "ipynb";
    CHECK(detector->may_report_at(row.path) == notebook_name);
    if (!row.detail) {
      CHECK(hits.empty());
      continue;
    }
    REQUIRE(hits.size() == 1);
    CHECK(hits[0].line == 0);
    CHECK(hits[0].detail == row.detail);
    CHECK(hits[0].where == "cell 2");
    CHECK(hits[0].secret.empty());
  }
}

TEST_CASE("notebook_outputs detector takes no parameters", "[notebook]") {
  const toml::table table = toml::parse(R"(type = "notebook_outputs"
strip = true)");
  DetectorParams params(table, "test.toml", "rule-id");
  (void)make_notebook_outputs_detector(params);
  auto finished = params.finish();
  REQUIRE_FALSE(finished);
  CHECK_THAT(finished.error().message, Catch::Contains("detector.strip: unknown key"));
}

TEST_CASE("binary outputs are blanked before the parse, text outputs and sources kept", "[notebook]") {
  // Small payloads stay (nothing to save); with min_bytes 1 the image and the
  // PDF of kRunNotebook go, the text/html and application/json stay.
  CHECK_FALSE(without_binary_payloads(kRunNotebook).has_value());
  auto stripped = without_binary_payloads(kRunNotebook, 1);
  REQUIRE(stripped.has_value());
  CHECK(stripped->find(R"("image/png": "")") != std::string::npos);
  CHECK(stripped->find(R"("application/pdf": "")") != std::string::npos);
  CHECK(stripped->find("<b>chart</b>") != std::string::npos);
  CHECK(stripped->find("AKIAEXAMPLE") != std::string::npos);
  // The stripped notebook gives the same chunks.
  auto before = parse_notebook(kRunNotebook), after = parse_notebook(*stripped);
  REQUIRE(before.has_value());
  REQUIRE(after.has_value());
  REQUIRE(before->size() == after->size());
  for (size_t i = 0; i < before->size(); ++i) CHECK((*before)[i].text == (*after)[i].text);

  const std::string image(4000, 'A');
  // An array of strings (some writers split base64 into lines) goes too.
  std::string split = R"({"data": {"image/jpeg": [")" + image + R"(\n", ")" + image + R"("], "text/plain": "ok"}})";
  auto blanked = without_binary_payloads(split);
  REQUIRE(blanked.has_value());
  CHECK(*blanked == R"({"data": {"image/jpeg": ["", ""], "text/plain": "ok"}})");
  // The words "image/png" inside a cell's source are a string, not a key:
  // the key after them is kept.
  std::string source = R"({"source": "x = {\"image/png\": \")" + image + R"(\"}"})";
  CHECK_FALSE(without_binary_payloads(source).has_value());
  // Unterminated or odd values are left as they are (the parser then decides).
  CHECK_FALSE(without_binary_payloads(R"({"image/png": ")" + image).has_value());
  CHECK_FALSE(without_binary_payloads(R"({"image/png": [")" + image + R"(", {"x": 1}]})").has_value());
  CHECK_FALSE(without_binary_payloads("").has_value());
}

TEST_CASE("parse_notebook reads what Jupyter opens even where simdjson alone would not", "[notebook]") {
  // An execution count beyond 64 bits: Python's json reads it, simdjson
  // refuses it. The notebook is still read as a notebook (a JSON-escaped key
  // in its source decoded), not left to the plain-text scan.
  const std::string notebook = R"({"nbformat": 4, "cells": [{"cell_type": "code",
    "execution_count": 123456789012345678901234567890, "source": ["key = \"\u0073k-proj-abc\"\n"], "outputs": []}]})";
  auto chunks = parse_notebook(notebook);
  REQUIRE(chunks);
  REQUIRE(chunks->size() == 1);
  CHECK(chunks->front().text == "key = \"sk-proj-abc\"\n");
  CHECK(notebook_output_cells(notebook).value() == std::vector<uint32_t>{1});
}

TEST_CASE("parse_notebook takes a repeated member's last value, as Jupyter does", "[notebook]") {
  auto chunks = parse_notebook(
      R"({"nbformat": 4, "cells": [{"cell_type": "markdown", "source": "first", "cell_type": "code", "source": "second"}]})");
  REQUIRE(chunks);
  REQUIRE(chunks->size() == 1);
  CHECK(chunks->front().text == "second");
  CHECK_FALSE(chunks->front().prose);  // the last cell_type: code
}

TEST_CASE("parse_notebook reads a notebook larger than the reused parser takes", "[notebook]") {
  std::string cells;
  for (int i = 0; i < 60000; ++i) {
    if (i) cells += ",";
    cells += R"nb({"cell_type": "code", "source": ["x = )nb" + std::to_string(i) + R"nb(\n", "print(x)"], "outputs": []})nb";
  }
  const std::string notebook = R"({"nbformat": 4, "cells": [)" + cells + "]}";
  REQUIRE(notebook.size() > (4u << 20));
  auto chunks = parse_notebook(notebook);
  REQUIRE(chunks);
  REQUIRE(chunks->size() == 60000);
  CHECK(chunks->back().text == "x = 59999\nprint(x)");
  CHECK(chunks->back().cell == 60000);
}
