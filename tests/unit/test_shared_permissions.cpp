// core.sharedRepository as git applies it to the files refguard writes (git notes).
#include <catch2/catch.hpp>

#include "git/shared_permissions.h"

using refguard::git::parse_shared_mode;
using refguard::git::shared_file_mode;
using Kind = refguard::git::SharedMode::Kind;

TEST_CASE("core.sharedRepository values parse as git parses them", "[shared_permissions]") {
  CHECK(parse_shared_mode("umask")->kind == Kind::kUmask);
  CHECK(parse_shared_mode("false")->kind == Kind::kUmask);
  CHECK(parse_shared_mode("group")->bits == 0660);
  CHECK(parse_shared_mode("true")->bits == 0660);
  CHECK(parse_shared_mode("1")->bits == 0660);
  CHECK(parse_shared_mode("all")->bits == 0664);
  CHECK(parse_shared_mode("everybody")->bits == 0664);
  auto exact = parse_shared_mode("0640");
  REQUIRE(exact);
  CHECK(exact->kind == Kind::kExact);
  CHECK(exact->bits == 0640);
  CHECK_FALSE(parse_shared_mode("0040"));  // the owner must keep read-write
  CHECK_FALSE(parse_shared_mode("sideways"));
}

TEST_CASE("shared modes: objects stay read-only, directories get setgid and search", "[shared_permissions]") {
  auto group = *parse_shared_mode("group");
  // A loose object written 0444 under umask 027 (0440) becomes group-readable, never writable.
  CHECK(shared_file_mode(0440, false, group) == 0440);
  CHECK(shared_file_mode(0400, false, group) == 0440);
  // objects/xx/ made 0750 under umask 027: group may write, setgid keeps the group.
  CHECK(shared_file_mode(0750, true, group) == 02770);
  // A ref file 0640: group read-write.
  CHECK(shared_file_mode(0640, false, group) == 0660);
  auto all = *parse_shared_mode("all");
  CHECK(shared_file_mode(0700, true, all) == 02775);
  CHECK(shared_file_mode(0400, false, all) == 0444);
  auto exact = *parse_shared_mode("0640");
  CHECK(shared_file_mode(0777, true, exact) == 02750);
  CHECK(shared_file_mode(0644, false, exact) == 0640);
  auto umask = *parse_shared_mode("umask");
  CHECK(shared_file_mode(0750, true, umask) == 0750);
}
