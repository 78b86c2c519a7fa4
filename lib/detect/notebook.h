#pragma once
// Jupyter notebooks (.ipynb) as text a detector can scan. A notebook is JSON,
// so a key typed into a cell or printed by it is stored escaped ("\"sk-...\"",
// "\u0041"); scanning the raw file misses it or reports it twice. These
// functions return the decoded text of every cell source and every textual
// output instead.
//
// nbformat 4 (cells[]) and nbformat 3 (worksheets[].cells[]) are supported.
// Outputs kept: stream text; execute_result / display_data (v3: pyout) values
// of type text/* and JavaScript, plus JSON values (application/json,
// *+json) re-serialized; error (v3: pyerr) tracebacks. Base64 payloads
// (image/*, application/pdf, ...) are never returned.
//
// Pure functions over the caller's bytes; safe to call from any thread.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace refguard::detect {

struct NotebookChunk {
  uint32_t cell;     // 1-based cell number, counting every cell (markdown too) in file order
  bool output;       // false: the cell's source; true: one output of the cell
  std::string text;  // decoded; never empty
  bool prose = false;  // the source of a markdown or raw cell (text, not code)
};

/// The source and the textual outputs of every cell, in file order; one chunk
/// per source and per output value (so text/plain and text/html of one result
/// are two chunks). The error names what is malformed and where ("cell 3: ...").
Expected<std::vector<NotebookChunk>> parse_notebook(std::string_view json);

/// 1-based numbers of the code cells that carry outputs or an execution count,
/// i.e. that were committed after being run.
Expected<std::vector<uint32_t>> notebook_output_cells(std::string_view json);

/// True when some code cell carries outputs or an execution count; false for
/// a clean notebook and for malformed input.
bool notebook_has_outputs(std::string_view json);

}  // namespace refguard::detect
