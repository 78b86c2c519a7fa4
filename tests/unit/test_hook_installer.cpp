#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cli/hook_installer.h"
#include "cli/hook_layout.h"
#include "cli/hook_settings.h"
#include "temp_repo.h"

using namespace refguard::cli;
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& path, const std::string& text, mode_t mode) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
  ::chmod(path.c_str(), mode);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

mode_t mode_of(const fs::path& path) {
  struct stat info {};
  ::lstat(path.c_str(), &info);
  return info.st_mode & 07777;
}

const std::string kBinary = "/usr/lib/refguard/refguard-hook";

}  // namespace

TEST_CASE("installs a symlink where there was no hook, and removes it", "[hook_installer]") {
  refguard::test::TempDir dir;
  auto done = install_direct_hook(dir.path(), "pre-receive", kBinary, false);
  REQUIRE(done);
  CHECK(*done == "installed");
  CHECK(fs::read_symlink(dir.path() / "pre-receive") == kBinary);
  CHECK(is_refguard_hook(dir.path() / "pre-receive"));
  REQUIRE(uninstall_direct_hook(dir.path(), "pre-receive"));
  CHECK_FALSE(fs::exists(fs::symlink_status(dir.path() / "pre-receive")));
}

TEST_CASE("chains with a foreign hook and restores it byte-identical with its mode", "[hook_installer]") {
  refguard::test::TempDir dir;
  fs::path hook = dir.path() / "pre-receive";
  write_file(hook, "#!/bin/sh\nexit 0\n", 0750);
  auto done = install_direct_hook(dir.path(), "pre-receive", kBinary, false);
  REQUIRE(done);
  CHECK(done->starts_with("chained"));
  CHECK(read_file(hook) == chain_wrapper_text("pre-receive", kBinary));
  CHECK(mode_of(hook) == 0755);
  CHECK(read_file(dir.path() / kChainedDir / "pre-receive") == "#!/bin/sh\nexit 0\n");
  REQUIRE(install_direct_hook(dir.path(), "pre-receive", kBinary, false));  // again: still chained, once
  CHECK(read_file(dir.path() / kChainedDir / "pre-receive") == "#!/bin/sh\nexit 0\n");
  auto undone = uninstall_direct_hook(dir.path(), "pre-receive");
  REQUIRE(undone);
  CHECK(*undone == "restored the original hook");
  CHECK(read_file(hook) == "#!/bin/sh\nexit 0\n");
  CHECK(mode_of(hook) == 0750);
  CHECK_FALSE(fs::exists(dir.path() / kChainedDir));
}

TEST_CASE("the chain wrapper feeds both hooks and fails when either fails", "[hook_installer]") {
  std::string text = chain_wrapper_text("post-receive", "/opt/it's/refguard-hook");
  CHECK(text.starts_with("#!/bin/sh\n# refguard-chain:"));
  CHECK(text.find("\"$here/refguard-chained/post-receive\"") != std::string::npos);
  CHECK(text.find("'/opt/it'\\''s/refguard-hook' post-receive || status=1") != std::string::npos);
  CHECK(text.find("exit $status") != std::string::npos);
}

TEST_CASE("install with force replaces a foreign hook, keeping it for uninstall", "[hook_installer]") {
  refguard::test::TempDir dir;
  fs::create_directories(dir.path());
  fs::create_symlink("../shared/pre-receive", dir.path() / "pre-receive");
  REQUIRE(install_direct_hook(dir.path(), "pre-receive", kBinary, true));
  CHECK(fs::read_symlink(dir.path() / "pre-receive") == kBinary);
  CHECK(fs::read_symlink(dir.path() / kChainedDir / "pre-receive") == "../../shared/pre-receive");
  REQUIRE(install_direct_hook(dir.path(), "pre-receive", kBinary, false));  // a later plain install keeps it so
  CHECK(fs::is_symlink(dir.path() / "pre-receive"));
  REQUIRE(uninstall_direct_hook(dir.path(), "pre-receive"));
  CHECK(fs::read_symlink(dir.path() / "pre-receive") == "../shared/pre-receive");
}

TEST_CASE("drop-in hooks go beside the forge's own and leave created directories clean", "[hook_installer]") {
  refguard::test::TempDir dir;
  write_file(dir.path() / "pre-receive.d" / "gitea", "#!/bin/sh\n", 0755);
  REQUIRE(install_drop_in_hook(dir.path(), "pre-receive", kBinary, false, false));
  CHECK(fs::read_symlink(dir.path() / "pre-receive.d" / kDropInName) == kBinary);
  CHECK_FALSE(install_drop_in_hook(dir.path(), "post-receive", kBinary, false, false));  // no post-receive.d
  REQUIRE(install_drop_in_hook(dir.path(), "post-receive", kBinary, false, true));
  REQUIRE(uninstall_drop_in_hook(dir.path(), "pre-receive", true));
  REQUIRE(uninstall_drop_in_hook(dir.path(), "post-receive", true));
  CHECK(fs::exists(dir.path() / "pre-receive.d" / "gitea"));
  CHECK_FALSE(fs::exists(dir.path() / "post-receive.d"));
}

TEST_CASE("a foreign drop-in of refguard's name is kept unless --force", "[hook_installer]") {
  refguard::test::TempDir dir;
  write_file(dir.path() / "pre-receive.d" / kDropInName, "mine\n", 0700);
  CHECK_FALSE(install_drop_in_hook(dir.path(), "pre-receive", kBinary, false, false));
  REQUIRE(install_drop_in_hook(dir.path(), "pre-receive", kBinary, true, false));
  REQUIRE(uninstall_drop_in_hook(dir.path(), "pre-receive", false));
  CHECK(read_file(dir.path() / "pre-receive.d" / kDropInName) == "mine\n");
  CHECK(mode_of(dir.path() / "pre-receive.d" / kDropInName) == 0700);
}

TEST_CASE("settings are written and erased, restoring the borrowed keys", "[hook_installer]") {
  refguard::test::TempDir dir;
  std::string config = (dir.path() / "gitconfig").string();
  write_file(config, "[core]\n\thooksPath = /old/hooks\n", 0644);
  HookSettings settings{"/run/rg.sock", "reject", "", "/srv/hooks", true, "", "/usr/bin/refguard", "GL_USER"};
  REQUIRE(write_settings(config, settings));
  REQUIRE(write_settings(config, settings));  // twice: the prior value stays the original one
  std::string text = read_file(config);
  CHECK(text.find("socket = /run/rg.sock") != std::string::npos);
  CHECK(text.find("glHookErr = true") != std::string::npos);
  CHECK(text.find("hooksPath = /srv/hooks") != std::string::npos);
  CHECK(text.find("cli = /usr/bin/refguard") != std::string::npos);
  CHECK(text.find("pusherFrom = GL_USER") != std::string::npos);
  REQUIRE(erase_settings(config));
  text = read_file(config);
  CHECK(text.find("hooksPath = /old/hooks") != std::string::npos);
  CHECK(text.find("socket") == std::string::npos);
  CHECK(text.find("cli =") == std::string::npos);
  CHECK(text.find("pusherFrom") == std::string::npos);
  CHECK(text.find("advertisePushOptions") == std::string::npos);
  CHECK(text.find("prior") == std::string::npos);
}

TEST_CASE("finds bare repositories below a root, not work trees", "[hook_installer]") {
  refguard::test::TempDir dir;
  for (const char* repo : {"a.git", "team/b.git"}) {
    fs::create_directories(dir.path() / repo / "objects");
    fs::create_directories(dir.path() / repo / "refs");
    write_file(dir.path() / repo / "HEAD", "ref: refs/heads/main\n", 0644);
  }
  fs::create_directories(dir.path() / "work/.git/objects");
  fs::create_directories(dir.path() / "work/.git/refs");
  write_file(dir.path() / "work/.git/HEAD", "ref: refs/heads/main\n", 0644);
  auto found = find_bare_repositories(dir.str());
  std::sort(found.begin(), found.end());
  REQUIRE(found.size() == 2);
  CHECK(found[0].ends_with("/a.git"));
  CHECK(found[1].ends_with("/team/b.git"));
}
