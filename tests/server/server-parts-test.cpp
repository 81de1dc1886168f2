// The server's small parts: stream names, base64 bodies, the Prometheus text format.
#include <gtest/gtest.h>

#include <string>

#include "base64.h"
#include "prometheus.h"
#include "stream-name.h"

namespace ants::server {
namespace {

TEST(StreamName, OnlyNamesThatCannotLeaveTheStateDirectoryPass) {
  for (const char* ok : {"a", "cam-1", "Cam_2.v3", "_x", "0", "a..b"}) EXPECT_TRUE(valid_stream_name(ok)) << ok;
  EXPECT_TRUE(valid_stream_name(std::string(64, 'z')));
  for (const char* bad : {"", ".", "..", ".hidden", "-x", "../x", "a/b", "a\\b", "a b", "é", "a\nb"})
    EXPECT_FALSE(valid_stream_name(bad)) << bad;
  EXPECT_FALSE(valid_stream_name(std::string(65, 'z')));
  EXPECT_FALSE(valid_stream_name(std::string("a\0b", 3)));
}

TEST(Base64, RoundTripsEveryLengthAndRefusesNonBase64) {
  std::string bytes;
  for (int n = 0; n < 40; ++n) {
    const std::string text = base64_encode(bytes);
    EXPECT_EQ(text.size() % 4, 0u);
    EXPECT_EQ(base64_decode(text), bytes) << n;
    bytes.push_back(static_cast<char>(n * 37 + 200));
  }
  EXPECT_EQ(base64_encode("Man"), "TWFu");
  EXPECT_EQ(base64_encode("Ma"), "TWE=");
  EXPECT_EQ(base64_decode("TWE"), "Ma");         // padding is optional
  EXPECT_EQ(base64_decode("TW\nFu\r\n"), "Man");  // line breaks are skipped
  for (const char* bad : {"@@@@", "TWFu=TWFu", "T", "TWF-"}) EXPECT_FALSE(base64_decode(bad)) << bad;
}

TEST(Prometheus, HistogramsAreCumulativeAndLabelsEscaped) {
  Histogram h({1, 10});
  for (double v : {0.5, 1.0, 5.0, 50.0}) h.observe(v);
  std::string out;
  write_family(out, "x", "histogram", "help text");
  h.write(out, "x", label("route", "a\"b\\c\nd"));
  EXPECT_EQ(out,
            "# HELP x help text\n# TYPE x histogram\n"
            "x_bucket{route=\"a\\\"b\\\\c\\nd\",le=\"1\"} 2\n"
            "x_bucket{route=\"a\\\"b\\\\c\\nd\",le=\"10\"} 3\n"
            "x_bucket{route=\"a\\\"b\\\\c\\nd\",le=\"+Inf\"} 4\n"
            "x_sum{route=\"a\\\"b\\\\c\\nd\"} 56.5\n"
            "x_count{route=\"a\\\"b\\\\c\\nd\"} 4\n");
}

}  // namespace
}  // namespace ants::server
