package io.memshift.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The one record of a rate limit, read against a clock the test moves. */
@Tag("fast")
class RateLimitPauseTest {

    @Test
    void aPauseIsOnlyEverExtendedAndEndsOnTime() {
        ManualClock clock = new ManualClock();
        RateLimitPause pause = new RateLimitPause(clock);
        assertThat(pause.active()).isFalse();
        pause.extend(Duration.ofSeconds(3));
        pause.extend(Duration.ofSeconds(1)); // learnt later, shorter: does not cut the 3 s short
        assertThat(pause.remaining()).isEqualTo(Duration.ofSeconds(3));
        clock.advance(Duration.ofSeconds(2));
        assertThat(pause.remaining()).isEqualTo(Duration.ofSeconds(1));
        pause.extend(Duration.ofSeconds(5));
        assertThat(pause.remaining()).isEqualTo(Duration.ofSeconds(5));
        clock.advance(Duration.ofSeconds(5));
        assertThat(pause.active()).isFalse();
        assertThat(pause.remaining()).isZero();
    }

    @Test
    void pacingHoldsBackNewRequestsButNotWhatTheProviderSays() {
        ManualClock clock = new ManualClock();
        RateLimitPause pause = new RateLimitPause(clock);
        pause.holdFor(Duration.ofSeconds(4));
        assertThat(pause.active()).as("new requests wait").isTrue();
        assertThat(pause.remaining()).isEqualTo(Duration.ofSeconds(4));
        assertThat(pause.retryAfterRemaining()).as("granted ones may still reach the provider").isZero();
        pause.extend(Duration.ofSeconds(2));
        assertThat(pause.remaining()).as("the longer of the two").isEqualTo(Duration.ofSeconds(4));
        assertThat(pause.retryAfterRemaining()).isEqualTo(Duration.ofSeconds(2));
        clock.advance(Duration.ofSeconds(4));
        assertThat(pause.active()).isFalse();
    }
}
