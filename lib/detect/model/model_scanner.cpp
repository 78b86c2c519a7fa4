#include "detect/model/model_scanner.h"

#include "detect/model/file_scan.h"

namespace refguard::detect::model {

void ModelScanner::scan(const ByteSource& source, std::string_view path, std::vector<Hit>& hits) const {
  FileScan scan(*this, hits);
  scan.source(source, Location{std::string(path), {}, {}, 0});
  scan.finish();
}

}  // namespace refguard::detect::model
