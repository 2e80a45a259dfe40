package io.memshift.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The schedule of a backoff, read off an injected clock: nothing here waits. */
@Tag("fast")
class BackoffTest {

    @Test
    void waitsDoubleFromFirstUpToMaxAndStayThere() {
        Backoff.Attempts attempts = Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(60)).start();
        List<Long> waits = IntStream.range(0, 9).mapToObj(i -> attempts.next().toMillis()).toList();
        assertThat(waits).containsExactly(1_000L, 2_000L, 4_000L, 8_000L, 16_000L, 32_000L, 60_000L, 60_000L, 60_000L);
        assertThat(attempts.failures()).isEqualTo(9);
    }

    @Test
    void theDocumentedSchedulesAreKept() {
        // re-embedder, model unavailable: 1 s doubling to 60 s
        Backoff outage = Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(60));
        assertThat(outage.scheduled(1)).hasSeconds(1);
        assertThat(outage.scheduled(7)).hasSeconds(60);
        // importer, Elasticsearch overloaded or unreachable: 100 ms doubling to 10 s
        Backoff importer = Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(10));
        assertThat(importer.scheduled(1)).hasMillis(100);
        assertThat(importer.scheduled(7)).hasMillis(6_400);
        assertThat(importer.scheduled(8)).hasSeconds(10);
        // Mem0 API, 5xx: 500 ms doubling, at most 30 s
        Backoff mem0 = Backoff.exponential(Duration.ofMillis(500), Duration.ofSeconds(30));
        assertThat(IntStream.rangeClosed(1, 5).mapToObj(n -> mem0.scheduled(n).toMillis()))
                .containsExactly(500L, 1_000L, 2_000L, 4_000L, 8_000L);
    }

    @Test
    void aVeryLongRunOfFailuresStaysAtMaxWithoutOverflowing() {
        Backoff backoff = Backoff.exponential(Duration.ofNanos(1), Duration.ofDays(365));
        assertThat(backoff.scheduled(Integer.MAX_VALUE)).isEqualTo(Duration.ofDays(365));
        assertThat(backoff.scheduled(80)).isEqualTo(Duration.ofDays(365));
    }

    @Test
    void jitterOnlyShortensAWaitAndByAtMostItsFraction() {
        Random random = new Random(42);
        ManualClock time = new ManualClock();
        Backoff backoff = Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(60)).withJitter(0.2)
                .withTime(time, time::sleep, random::nextDouble);
        List<Duration> firsts = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Backoff.Attempts attempts = backoff.start();
            for (int n = 1; n <= 8; n++) {
                Duration wait = attempts.next();
                Duration scheduled = backoff.scheduled(n);
                assertThat(wait).isLessThanOrEqualTo(scheduled)
                        .isGreaterThanOrEqualTo(Duration.ofNanos((long) (scheduled.toNanos() * 0.8)));
                if (n == 1) {
                    firsts.add(wait);
                }
            }
        }
        // The point of jitter: callers that failed together do not come back together.
        assertThat(firsts.stream().distinct().count()).isGreaterThan(100);
        assertThat(firsts.stream().mapToLong(Duration::toMillis).min().orElseThrow()).isLessThan(850);
        assertThat(firsts.stream().mapToLong(Duration::toMillis).max().orElseThrow()).isGreaterThan(950);
    }

    @Test
    void theExtremesOfTheRandomSourceGiveTheScheduleAndItsShortenedBound() {
        ManualClock time = new ManualClock();
        Backoff none = Backoff.exponential(Duration.ofSeconds(10), Duration.ofSeconds(10)).withJitter(0.25)
                .withTime(time, time::sleep, () -> 0.0);
        Backoff most = none.withTime(time, time::sleep, () -> 1.0);
        assertThat(none.start().next()).hasSeconds(10);
        assertThat(most.start().next()).isEqualTo(Duration.ofMillis(7_500));
    }

    @Test
    void progressStartsTheScheduleOver() {
        Backoff.Attempts attempts = Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(10)).start();
        attempts.next();
        attempts.next();
        assertThat(attempts.next()).hasMillis(400);
        attempts.reset();
        assertThat(attempts.failures()).isZero();
        assertThat(attempts.next()).hasMillis(100);
    }

    @Test
    void aBudgetRefusesTheWaitThatWouldEndPastIt() throws InterruptedException {
        ManualClock time = new ManualClock();
        Instant begin = time.instant();
        Backoff backoff = Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(10))
                .withBudget(Duration.ofMinutes(3)).withTime(time, time::sleep, () -> 0.0);
        Backoff.Attempts attempts = backoff.start();
        assertThat(attempts.deadline()).isEqualTo(begin.plus(Duration.ofMinutes(3)));
        int sleeps = 0;
        while (attempts.sleep()) {
            sleeps++;
        }
        assertThat(time.slept).hasSize(sleeps);
        assertThat(time.slept.subList(0, 8)).extracting(Duration::toMillis)
                .containsExactly(100L, 200L, 400L, 800L, 1_600L, 3_200L, 6_400L, 10_000L);
        // 22.7 s for the first eight, then 10 s each: 15 more fit in 180 s, the 16th would end at 182.7 s.
        assertThat(sleeps).isEqualTo(23);
        assertThat(Duration.between(begin, time.instant())).isLessThanOrEqualTo(Duration.ofMinutes(3));
        assertThat(Duration.between(begin, time.instant()).plusSeconds(10)).isGreaterThan(Duration.ofMinutes(3));
    }

    @Test
    void aLoopStartedWithAnotherOnesDeadlineSharesItButNotItsFailures() throws InterruptedException {
        ManualClock time = new ManualClock();
        Backoff backoff = Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(8))
                .withBudget(Duration.ofSeconds(5)).withTime(time, time::sleep, () -> 0.0);
        Backoff.Attempts outer = backoff.start();
        outer.next();
        outer.next();
        Backoff.Attempts inner = backoff.start(outer.deadline());
        assertThat(inner.deadline()).isEqualTo(outer.deadline());
        assertThat(inner.sleep()).isTrue();  // 1 s
        assertThat(inner.sleep()).isTrue();  // 2 s, 3 s in all
        assertThat(inner.sleep()).isFalse(); // 4 s more would end at 7 s
        assertThat(time.slept).extracting(Duration::toSeconds).containsExactly(1L, 2L);
    }

    @Test
    void aScheduleMustMakeSense() {
        assertThatThrownBy(() -> Backoff.exponential(Duration.ZERO, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(2)).withJitter(1.0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
