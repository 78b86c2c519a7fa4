#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>
#include <string>

#include "temp_repo.h"
#include "util/small_file.h"

using refguard::read_small_file;

TEST_CASE("small file: its text, nothing when missing, a reason otherwise", "[small_file]") {
  refguard::test::TempDir dir;
  std::string file = (dir.path() / "policy.toml").string();
  std::ofstream(file) << "version = 1\n";
  auto read = read_small_file(file, 1024, "policy file");
  REQUIRE(read);
  REQUIRE(*read);
  CHECK(**read == "version = 1\n");

  auto missing = read_small_file((dir.path() / "none.toml").string(), 1024, "policy file");
  REQUIRE(missing);
  CHECK_FALSE(*missing);

  std::ofstream(file) << std::string((1u << 20) + 1, 'x');
  auto large = read_small_file(file, 1u << 20, "policy file");
  REQUIRE_FALSE(large);
  CHECK(large.error().message == file + ": policy file is larger than 1 MiB");

  auto directory = read_small_file(dir.path().string(), 1024, "policy file");
  REQUIRE_FALSE(directory);
  CHECK(directory.error().message.find("cannot read " + dir.path().string()) == 0);
}

TEST_CASE("small file: a FIFO in a file's place is read at once instead of blocking", "[small_file]") {
  refguard::test::TempDir dir;
  std::string fifo = (dir.path() / "policy.toml").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  auto read = read_small_file(fifo, 1024, "policy file");  // no writer: an empty read, not a hang
  REQUIRE(read);
  REQUIRE(*read);
  CHECK((*read)->empty());
}
