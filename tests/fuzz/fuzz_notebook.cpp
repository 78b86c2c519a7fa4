// The Jupyter notebook parser on arbitrary bytes. Properties: chunks are
// non-empty and in cell order; notebook_has_outputs agrees with
// notebook_output_cells.
#include <cstdint>
#include <string_view>

#include "detect/notebook.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
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
