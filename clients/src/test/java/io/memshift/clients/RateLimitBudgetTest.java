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
        RateLimitBudget.Reservation first = budget.reserve(1_000_000);
        assertThat(first.granted()).isTrue();
        budget.observe(HttpHeaders.of(Map.of("content-type", List.of("application/json")), (n, v) -> true));
        budget.settle(first);
        assertThat(budget.known()).isFalse();
        assertThat(budget.reserve(5_000_000).granted()).isTrue();
        assertThat(budget.largestRequestTokens()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void requestsWaitForTheTokensTheyNeedAtTheRefillRateOfTheMinuteLimit() {
        ManualClock clock = new ManualClock();
        RateLimitBudget budget = new RateLimitPause(clock).budget();
        // A first answer: 6,000 tokens a minute (100 a second), 1,000 of them left.
        answer(budget, budget.reserve(200), headers(600, 599, 6_000, 1_000));
        assertThat(budget.known()).isTrue();
        assertThat(budget.largestRequestTokens()).isEqualTo(6_000);

        assertThat(budget.reserve(600).granted()).as("600 of the 1,000 left").isTrue();
        RateLimitBudget.Reservation refused = budget.reserve(600);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.delay()).as("400 left: 200 more come in 2 s").isEqualTo(Duration.ofSeconds(2));
        clock.advance(Duration.ofSeconds(2));
        assertThat(budget.reserve(600).granted()).isTrue();
        assertThat(budget.reserve(100).delay()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void anAnswerSetsTheLevelToWhatTheProviderCountedLessWhatLeftAfterIt() {
        ManualClock clock = new ManualClock();
        RateLimitBudget budget = new RateLimitPause(clock).budget();
        answer(budget, budget.reserve(10), headers(60, 59, 60_000, 60_000));

        RateLimitBudget.Reservation first = budget.reserve(1_000);
        RateLimitBudget.Reservation second = budget.reserve(5_000); // left after the first: not in its count
        // Another key user spent most of the minute: the provider says 8,000 were left when the first arrived.
        answer(budget, first, headers(60, 50, 60_000, 8_000));
        assertThat(budget.reserve(4_000).delay()).as("8,000 - 5,000 still out = 3,000: 1,000 more in 1 s")
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(second.granted()).isTrue();
    }

    @Test
    void answersThatComeBackOutOfOrderNeitherCountARequestTwiceNorForgetOne() {
        ManualClock clock = new ManualClock();
        RateLimitBudget budget = new RateLimitPause(clock).budget();
        answer(budget, budget.reserve(10), headers(600, 599, 60_000, 60_000));

        // Four requests of 10,000 leave at once; the provider counts each on arrival, in that order.
        List<RateLimitBudget.Reservation> wave = List.of(budget.reserve(10_000), budget.reserve(10_000),
                budget.reserve(10_000), budget.reserve(10_000));
        // The last to arrive answers first: 60,000 - 40,000 = 20,000 left, nothing of ours still to count.
        answer(budget, wave.get(3), headers(600, 595, 60_000, 20_000));
        // Then the first, whose count (50,000) predates the three after it: stale, it must not raise the level.
        answer(budget, wave.get(0), headers(600, 598, 60_000, 50_000));
        assertThat(budget.reserve(20_000).granted()).as("20,000 left, not 50,000").isTrue();
        assertThat(budget.reserve(1_000).delay()).as("and nothing after it").isEqualTo(Duration.ofSeconds(1));
        answer(budget, wave.get(1), headers(600, 597, 60_000, 40_000));
        answer(budget, wave.get(2), headers(600, 596, 60_000, 30_000));
        assertThat(budget.reserve(1_000).delay()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void countsLeftOnAThreadByACallThatNeverSettledAreNotAppliedToTheNextRequest() {
        ManualClock clock = new ManualClock();
        RateLimitBudget budget = new RateLimitPause(clock).budget();
        answer(budget, budget.reserve(10), headers(600, 599, 60_000, 1_000));
        // A call outside the budget (no reservation) saw an answer and never settled: its counts stay on the thread.
        budget.observe(headers(600, 599, 60_000, 60_000));
        RateLimitBudget.Reservation next = budget.reserve(500);
        budget.settle(next); // failed without an answer: nothing to correct the budget with
        assertThat(budget.reserve(1_000).delay()).as("500 left, not 60,000: 500 more in half a second")
                .isEqualTo(Duration.ofMillis(500));

        // A request whose answer names no limits: what an earlier call left on the thread is cleared then, too.
        RateLimitBudget.Reservation out = budget.reserve(0);
        budget.observe(headers(600, 599, 60_000, 60_000));
        budget.observe(HttpHeaders.of(Map.of("content-type", List.of("application/json")), (n, v) -> true));
        budget.settle(out);
        assertThat(budget.reserve(1_000).delay()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void theRequestLimitPacesToo() {
        ManualClock clock = new ManualClock();
        RateLimitBudget budget = new RateLimitPause(clock).budget();
        answer(budget, budget.reserve(1), headers(60, 1, 1_000_000, 1_000_000));
        assertThat(budget.reserve(1).granted()).isTrue();
        assertThat(budget.reserve(1).delay()).as("one request a second").isEqualTo(Duration.ofSeconds(1));
    }

    /** The request's answer arrives with these headers, on the thread that sent it. */
    private static void answer(RateLimitBudget budget, RateLimitBudget.Reservation reservation, HttpHeaders headers) {
        assertThat(reservation.granted()).isTrue();
        budget.observe(headers);
        budget.settle(reservation);
    }
}
