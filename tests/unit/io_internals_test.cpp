// SPDX-License-Identifier: MIT
// Internals of dynmargin/io/: the RFC 4180 record splitter and the number parser of
// io/detail/text.hpp, which the readers rest on (their public behaviour is in io_text_test.cpp
// and io_reader_test.cpp).
#include <cstddef>
#include <string_view>
#include <vector>

#include "catch.hpp"
#include "dynmargin/io/detail/text.hpp"

TEST_CASE("the record splitter follows RFC 4180", "[io]") {
  dynmargin::detail::io_csv_splitter splitter("a, b ,\"c,d\"\r\n\"x\"\"y\",\"two\nlines\",\n\nlast");
  std::vector<std::string_view> cells;
  std::size_t line = 0;
  REQUIRE(splitter.next(cells, line));
  CHECK(line == 1);
  CHECK(cells == std::vector<std::string_view>{"a", "b", "c,d"});
  REQUIRE(splitter.next(cells, line));
  CHECK(line == 2);
  CHECK(cells == std::vector<std::string_view>{"x\"y", "two\nlines", ""});
  REQUIRE(splitter.next(cells, line));
  CHECK(line == 4);
  CHECK(dynmargin::detail::io_is_blank_record(cells));
  REQUIRE(splitter.next(cells, line));
  CHECK(line == 5);
  CHECK(cells == std::vector<std::string_view>{"last"});
  CHECK_FALSE(splitter.next(cells, line));
}

TEST_CASE("numbers are read with from_chars over the whole cell", "[io]") {
  double value = 0.0;
  CHECK(dynmargin::detail::io_parse_double("20970", value));
  CHECK(value == 20970.0);
  CHECK(dynmargin::detail::io_parse_double("+4e-05", value));
  CHECK(value == 4e-05);
  CHECK(dynmargin::detail::io_parse_double("16199.91000000", value));
  CHECK(value == 16199.91);
  CHECK_FALSE(dynmargin::detail::io_parse_double("1,5", value));
  CHECK_FALSE(dynmargin::detail::io_parse_double("12 ", value));
  CHECK_FALSE(dynmargin::detail::io_parse_double("", value));
}
