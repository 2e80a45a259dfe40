package io.memshift.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Pacing by OpenAI's x-ratelimit-* headers, read against a clock the test moves. */
@Tag("fast")
class RateLimitBudgetTest {

    private static HttpHeaders headers(long limitRequests, long remainingRequests, long limitTokens, long remainingTokens) {
        return HttpHeaders.of(Map.of(
                "x-ratelimit-limit-requests", List.of(Long.toString(limitRequests)),
                "x-ratelimit-remaining-requests", List.of(Long.toString(remainingRequests)),
                "x-ratelimit-limit-tokens", List.of(Long.toString(limitTokens)),
                "x-ratelimit-remaining-tokens", List.of(Long.toString(remainingTokens)),
                "x-ratelimit-reset-tokens", List.of("6m0s")), (name, value) -> true);
    }

    @Test
    void aProviderThatNamesNoLimitIsNeverPaced() {
        RateLimitBudget budget = new RateLimitPause(new ManualClock()).budget();
        budget.observe(HttpHeaders.of(Map.of("content-type", List.of("application/json")), (n, v) -> true));
        budget.settle(budget.reserve(1_000_000).isZero() ? 1_000_000 : 0);
        assertThat(budget.known()).isFalse();
        assertThat(budget.reserve(5_000_000)).isZero();
        assertThat(budget.largestRequestTokens()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void requestsWaitForTheTokensTheyNeedAtTheRefillRateOfTheMinuteLimit() {
        ManualClock clock = new ManualClock();
        RateLimitBudget budget = new RateLimitPause(clock).budget();
        // A first answer: 6,000 tokens a minute (100 a second), 1,000 of them left.
        assertThat(budget.reserve(200)).isZero();
        budget.observe(headers(600, 599, 6_000, 1_000));
        budget.settle(200);
        assertThat(budget.known()).isTrue();
        assertThat(budget.largestRequestTokens()).isEqualTo(6_000);

        assertThat(budget.reserve(600)).as("600 of the 1,000 left").isZero();
        assertThat(budget.reserve(600)).as("400 left: 200 more come in 2 s").isEqualTo(Duration.ofSeconds(2));
        clock.advance(Duration.ofSeconds(2));
        assertThat(budget.reserve(600)).isZero();
        assertThat(budget.reserve(100)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void anAnswerSetsTheLevelToWhatTheProviderCountedLessWhatIsStillInFlight() {
        ManualClock clock = new ManualClock();
        RateLimitBudget budget = new RateLimitPause(clock).budget();
        budget.reserve(10);
        budget.observe(headers(60, 59, 60_000, 60_000));
        budget.settle(10);

        assertThat(budget.reserve(5_000)).isZero(); // in flight, not answered yet
        // Another key user spent most of the minute: the provider says 8,000 are left, 5,000 of ours still out.
        assertThat(budget.reserve(1_000)).isZero();
        budget.observe(headers(60, 50, 60_000, 8_000));
        budget.settle(1_000);
        assertThat(budget.reserve(4_000)).as("8,000 - 5,000 in flight = 3,000: 1,000 more in 1 s")
                .isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void theRequestLimitPacesToo() {
        ManualClock clock = new ManualClock();
        RateLimitBudget budget = new RateLimitPause(clock).budget();
        budget.reserve(1);
        budget.observe(headers(60, 1, 1_000_000, 1_000_000));
        budget.settle(1);
        assertThat(budget.reserve(1)).isZero();
        assertThat(budget.reserve(1)).as("one request a second").isEqualTo(Duration.ofSeconds(1));
    }
}
