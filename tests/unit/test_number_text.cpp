#include <catch2/catch.hpp>

#include "util/number_text.h"

TEST_CASE("with_thousands groups digits by three with commas", "[number_text]") {
  using refguard::with_thousands;
  CHECK(with_thousands(0) == "0");
  CHECK(with_thousands(999) == "999");
  CHECK(with_thousands(1000) == "1,000");
  CHECK(with_thousands(1200) == "1,200");
  CHECK(with_thousands(49560) == "49,560");
  CHECK(with_thousands(1234567) == "1,234,567");
  CHECK(with_thousands(18446744073709551615ull) == "18,446,744,073,709,551,615");
}
