// The Jupyter notebook parser on arbitrary bytes. Properties: chunks are
// non-empty and in cell order; notebook_has_outputs agrees with
// notebook_output_cells.
#include <cstdint>
#include <string>
#include <string_view>

#include "detect/notebook.h"
#include "fuzz_support.h"

namespace {

int test_one(const uint8_t* data, size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  if (size % 4 == 0) {
    // A notebook whose output data nests deep (see nested()); one input in four, as it costs more.
    const std::string deep = refguard::fuzz::nested(
        json.substr(0, 2), R"({"nbformat": 4, "cells": [{"cell_type": "code", "source": "", "outputs": [{"output_type": "display_data", "data": {"application/json": )",
        "[", "]", R"(}}]}], "metadata": {}})");
    auto chunks = refguard::detect::parse_notebook(deep);
    if (!chunks) FUZZ_CHECK(!chunks.error().message.empty(), "a malformed notebook says why");
  }
  if (auto chunks = refguard::detect::parse_notebook(json)) {
    uint32_t previous = 0;
    for (const auto& chunk : *chunks) {
      FUZZ_CHECK(!chunk.text.empty(), "chunks are never empty");
      FUZZ_CHECK(chunk.cell >= 1 && chunk.cell >= previous, "chunks in cell order");
      previous = chunk.cell;
    }
  } else {
    FUZZ_CHECK(!chunks.error().message.empty(), "a malformed notebook says why");
  }
  const auto cells = refguard::detect::notebook_output_cells(json);
  if (cells) {
    for (size_t i = 1; i < cells->size(); ++i) FUZZ_CHECK((*cells)[i - 1] < (*cells)[i], "output cells ascending");
  }
  FUZZ_CHECK(refguard::detect::notebook_has_outputs(json) == (cells && !cells->empty()),
             "has_outputs agrees with output_cells");
  return 0;
}

}  // namespace

// On a worker-sized stack: see on_worker_stack.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return refguard::fuzz::on_worker_stack([&] { return test_one(data, size); });
}
