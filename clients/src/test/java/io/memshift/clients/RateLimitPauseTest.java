package io.memshift.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The one record of a rate limit, read against a clock the test moves. */
class RateLimitPauseTest {

    @Test
    void aPauseIsOnlyEverExtendedAndEndsOnTime() {
        MutableClock clock = new MutableClock();
        RateLimitPause pause = new RateLimitPause(clock);
        assertThat(pause.active()).isFalse();
        pause.extend(Duration.ofSeconds(3));
        pause.extend(Duration.ofSeconds(1)); // learnt later, shorter: does not cut the 3 s short
        assertThat(pause.remaining()).isEqualTo(Duration.ofSeconds(3));
        clock.millis += 2_000;
        assertThat(pause.remaining()).isEqualTo(Duration.ofSeconds(1));
        pause.extend(Duration.ofSeconds(5));
        assertThat(pause.remaining()).isEqualTo(Duration.ofSeconds(5));
        clock.millis += 5_000;
        assertThat(pause.active()).isFalse();
        assertThat(pause.remaining()).isZero();
    }

    private static final class MutableClock extends Clock {
        long millis = 1_000_000;

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
