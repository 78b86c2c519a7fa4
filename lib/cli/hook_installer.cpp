#include "cli/hook_installer.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

namespace refguard::cli {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kWrapperMarker = "#!/bin/sh\n# refguard-chain:";

bool present(const fs::path& path) {
  std::error_code error;
  return fs::exists(fs::symlink_status(path, error));
}

bool is_symlink_to_hook(const fs::path& path) {
  std::error_code error;
  return fs::is_symlink(path, error) && fs::read_symlink(path, error).filename() == "refguard-hook";
}

bool is_chain_wrapper(const fs::path& path) {
  std::error_code error;
  if (fs::is_symlink(path, error) || !fs::is_regular_file(path, error)) return false;
  std::ifstream in(path, std::ios::binary);
  std::string head(kWrapperMarker.size(), '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  return in && head == kWrapperMarker;
}

// Single-quotes a path for sh.
std::string sh_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

Expected<void> remove_if_empty(const fs::path& dir) {
  std::error_code ignored;
  if (!fs::is_directory(fs::symlink_status(dir, ignored)) || !fs::is_empty(dir, ignored)) return {};
  std::error_code error;
  fs::remove(dir, error);
  if (error) return fail("cannot remove " + dir.string() + ": " + error.message());
  return {};
}

namespace {

// Moves `from` (one level up from `to`) with rename(2): the same inode, so
// the same bytes and mode. A relative symlink would point elsewhere one
// level down, so it is re-made with "../" in front (put_back strips it).
Expected<void> move_aside(const fs::path& from, const fs::path& to) {
  std::error_code error;
  fs::create_directories(to.parent_path(), error);
  if (error) return fail("cannot create " + to.parent_path().string() + ": " + error.message());
  if (fs::is_symlink(from, error) && fs::read_symlink(from, error).is_relative()) {
    fs::create_symlink("../" / fs::read_symlink(from, error), to, error);
    if (!error) fs::remove(from, error);
  } else {
    fs::rename(from, to, error);
  }
  if (error) return fail("cannot move " + from.string() + " to " + to.string() + ": " + error.message());
  return {};
}

Expected<void> put_back(const fs::path& saved, const fs::path& to) {
  std::error_code error;
  if (fs::is_symlink(saved, error) && fs::read_symlink(saved, error).is_relative()) {
    std::string target = fs::read_symlink(saved, error).string();
    fs::create_symlink(target.starts_with("../") ? target.substr(3) : target, to, error);
    if (!error) fs::remove(saved, error);
  } else {
    fs::rename(saved, to, error);
  }
  if (error) return fail("cannot put " + saved.string() + " back as " + to.string() + ": " + error.message());
  return {};
}

// Writes a symlink or a file under a temporary name and renames it over `path`,
// so git never sees a half-written hook.
Expected<void> place_symlink(const fs::path& path, const std::string& binary) {
  fs::path temporary = path.parent_path() / ("." + path.filename().string() + ".refguard-new");
  std::error_code error;
  fs::remove(temporary, error);
  fs::create_symlink(binary, temporary, error);
  if (!error) fs::rename(temporary, path, error);
  if (error) return fail("cannot create " + path.string() + ": " + error.message());
  return {};
}

Expected<void> place_wrapper(const fs::path& path, const std::string& text) {
  fs::path temporary = path.parent_path() / ("." + path.filename().string() + ".refguard-new");
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) return fail("cannot write " + temporary.string());
  }
  std::error_code error;
  if (::chmod(temporary.c_str(), 0755) != 0) return fail("cannot chmod " + temporary.string());
  fs::rename(temporary, path, error);
  if (error) return fail("cannot create " + path.string() + ": " + error.message());
  return {};
}

}  // namespace

bool is_refguard_hook(const fs::path& path) { return is_symlink_to_hook(path) || is_chain_wrapper(path); }

std::string chain_wrapper_text(const std::string& hook, const std::string& binary) {
  std::ostringstream text;
  text << kWrapperMarker << " written by `refguard install`; `refguard uninstall` puts back\n"
       << "# the hook that was here (now " << kChainedDir << "/" << hook << ", unchanged).\n"
       << "# Both get the same input; the push fails if either fails.\n"
       << "here=$(dirname \"$(readlink -f \"$0\")\")\n"
       << "input=$(cat; echo x)\n"
       << "input=${input%x}\n"
       << "status=0\n"
       << "original=\"$here/" << kChainedDir << "/" << hook << "\"\n"
       << "if [ -x \"$original\" ]; then\n"
       << "  printf '%s' \"$input\" | \"$original\" \"$@\" || status=1\n"
       << "fi\n"
       << "printf '%s' \"$input\" | " << sh_quote(binary) << " " << hook << " || status=1\n"
       << "exit $status\n";
  return text.str();
}

Expected<std::string> install_direct_hook(const fs::path& dir, const std::string& hook, const std::string& binary,
                                          bool replace_foreign) {
  fs::path target = dir / hook;
  fs::path saved = dir / kChainedDir / hook;
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) return fail("cannot create " + dir.string() + ": " + error.message());
  // A plain symlink beside a kept hook is an earlier --force install: it stays so.
  bool forced_before = is_symlink_to_hook(target) && present(saved);
  std::string done = present(target) ? "updated" : "installed";
  if (present(target) && !is_refguard_hook(target)) {
    if (present(saved))
      return fail(target.string() + " is a foreign hook and " + saved.string() +
                  " already holds the one refguard moved aside; merge them by hand first");
    if (auto moved = move_aside(target, saved); !moved) return std::unexpected(moved.error());
    done = replace_foreign ? "replaced the existing hook (kept, not run, as " : "chained with the existing hook (now ";
    done += std::string(kChainedDir) + "/" + hook + ")";
  }
  bool chain = present(saved) && !replace_foreign && !forced_before;
  auto placed = chain ? place_wrapper(target, chain_wrapper_text(hook, binary)) : place_symlink(target, binary);
  if (!placed) return std::unexpected(placed.error());
  return done;
}

Expected<std::string> uninstall_direct_hook(const fs::path& dir, const std::string& hook) {
  fs::path target = dir / hook;
  fs::path saved = dir / kChainedDir / hook;
  fs::path legacy = dir / (hook + ".refguard-saved");  // what `install --force` kept before chaining existed
  std::error_code error;
  if (present(target) && !is_refguard_hook(target)) {
    if (present(saved))
      return fail(target.string() + " is no longer refguard's; the hook refguard moved aside is still " +
                  saved.string() + ": put it back by hand");
    return std::string();
  }
  std::string done;
  if (present(target)) {
    fs::remove(target, error);
    if (error) return fail("cannot remove " + target.string() + ": " + error.message());
    done = "removed";
  }
  if (present(saved)) {
    if (auto restored = put_back(saved, target); !restored) return std::unexpected(restored.error());
    done = "restored the original hook";
  } else if (present(legacy) && !done.empty()) {
    if (auto restored = put_back(legacy, target); !restored) return std::unexpected(restored.error());
    done = "restored the original hook";
  }
  if (auto removed = remove_if_empty(dir / kChainedDir); !removed) return std::unexpected(removed.error());
  return done;
}

Expected<std::string> install_drop_in_hook(const fs::path& dir, const std::string& hook, const std::string& binary,
                                           bool replace_foreign, bool create) {
  fs::path drop_in_dir = dir / (hook + ".d");
  fs::path target = drop_in_dir / kDropInName;
  fs::path saved = dir / kChainedDir / (hook + ".d") / kDropInName;
  std::error_code error;
  if (!fs::is_directory(drop_in_dir, error)) {
    if (!create) return fail(drop_in_dir.string() + " does not exist (not the layout asked for?)");
    fs::create_directories(drop_in_dir, error);
    if (error) return fail("cannot create " + drop_in_dir.string() + ": " + error.message());
  }
  std::string done = present(target) ? "updated" : "installed";
  if (present(target) && !is_refguard_hook(target)) {
    if (!replace_foreign)
      return fail(target.string() + " exists and is not refguard's; rerun with --force to move it to " +
                  saved.string());
    if (present(saved)) return fail(saved.string() + " is already taken; merge by hand first");
    if (auto moved = move_aside(target, saved); !moved) return std::unexpected(moved.error());
    done = "replaced the existing " + target.string() + " (kept, not run, in " + kChainedDir + "/)";
  }
  if (auto placed = place_symlink(target, binary); !placed) return std::unexpected(placed.error());
  return done;
}

Expected<std::string> uninstall_drop_in_hook(const fs::path& dir, const std::string& hook, bool remove_empty_dir) {
  fs::path drop_in_dir = dir / (hook + ".d");
  fs::path target = drop_in_dir / kDropInName;
  fs::path saved_dir = dir / kChainedDir / (hook + ".d");
  std::error_code error;
  if (!present(target) || !is_refguard_hook(target)) return std::string();
  fs::remove(target, error);
  if (error) return fail("cannot remove " + target.string() + ": " + error.message());
  std::string done = "removed";
  if (present(saved_dir / kDropInName)) {
    if (auto restored = put_back(saved_dir / kDropInName, target); !restored) return std::unexpected(restored.error());
    done = "restored the original " + target.string();
  }
  for (const fs::path& emptied : {saved_dir, dir / kChainedDir})
    if (auto removed = remove_if_empty(emptied); !removed) return std::unexpected(removed.error());
  if (remove_empty_dir)
    if (auto removed = remove_if_empty(drop_in_dir); !removed) return std::unexpected(removed.error());
  return done;
}

}  // namespace refguard::cli
