// The circuit breaker on a fake clock: it opens after `threshold` failures in a row, refuses
// calls for the whole cooldown, then lets exactly one trial through (half-open), whose outcome
// closes or reopens it. No test here waits for wall-clock time.
#include "mllm/circuit-breaker.h"

#include <gtest/gtest.h>

#include <chrono>

namespace ants::mllm {
namespace {

using namespace std::chrono_literals;

// A clock that moves only when the test advances it.
struct FakeClock {
  CircuitBreaker::Clock::time_point t{};  // the epoch: any fixed point will do
  CircuitBreaker::Now now() {
    return [this] { return t; };
  }
};

TEST(CircuitBreaker, OpensAfterThresholdFailuresInARow) {
  FakeClock clock;
  CircuitBreaker b(3, 10, clock.now());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(b.allow());
    b.record_failure();
  }
  EXPECT_FALSE(b.open());
  ASSERT_TRUE(b.allow());
  b.record_success();  // a success resets the count
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(b.allow());
    b.record_failure();
  }
  EXPECT_FALSE(b.open());
  EXPECT_EQ(b.trips(), 0);
  ASSERT_TRUE(b.allow());
  b.record_failure();
  EXPECT_TRUE(b.open());
  EXPECT_EQ(b.trips(), 1);
  EXPECT_FALSE(b.allow());
}

TEST(CircuitBreaker, RefusesForTheWholeCooldownThenHalfOpensForOneTrial) {
  FakeClock clock;
  CircuitBreaker b(2, 0.3, clock.now());
  b.record_failure();
  b.record_failure();
  ASSERT_TRUE(b.open());
  clock.t += 299ms;
  EXPECT_FALSE(b.allow());
  EXPECT_TRUE(b.open());
  clock.t += 1ms;  // the cooldown is over: one trial call may go
  EXPECT_FALSE(b.open());
  EXPECT_TRUE(b.allow());
  EXPECT_TRUE(b.open());    // the trial is running
  EXPECT_FALSE(b.allow());  // and only one
  clock.t += 1h;
  EXPECT_FALSE(b.allow());  // however long it takes
  b.record_success();       // the trial succeeded: closed
  EXPECT_FALSE(b.open());
  EXPECT_TRUE(b.allow());
  EXPECT_TRUE(b.allow());
  EXPECT_EQ(b.trips(), 1);
}

TEST(CircuitBreaker, AFailedTrialReopensForAnotherCooldown) {
  FakeClock clock;
  CircuitBreaker b(1, 5, clock.now());
  ASSERT_TRUE(b.allow());
  b.record_failure();
  ASSERT_TRUE(b.open());
  clock.t += 5s;
  ASSERT_TRUE(b.allow());  // the trial
  clock.t += 2s;
  b.record_failure();  // reopens from now, not from the first opening
  EXPECT_TRUE(b.open());
  EXPECT_EQ(b.trips(), 1);  // reopening after a trial is the same trip
  clock.t += 4999ms;
  EXPECT_FALSE(b.allow());
  clock.t += 1ms;
  EXPECT_TRUE(b.allow());
  b.record_success();
  EXPECT_FALSE(b.open());
  b.record_failure();  // threshold 1: opens again, a second trip
  EXPECT_TRUE(b.open());
  EXPECT_EQ(b.trips(), 2);
}

TEST(CircuitBreaker, AZeroCooldownHalfOpensAtOnce) {
  FakeClock clock;
  CircuitBreaker b(1, 0, clock.now());
  b.record_failure();
  EXPECT_EQ(b.trips(), 1);
  EXPECT_TRUE(b.allow());   // the trial
  EXPECT_FALSE(b.allow());  // one at a time
}

}  // namespace
}  // namespace ants::mllm
