package io.memshift.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Retry-After and retry-after-ms as servers send them, read against a fixed clock. */
@Tag("fast")
class RetryAfterTest {

    private static final Clock NOW = Clock.fixed(Instant.parse("2025-03-01T12:00:00Z"), ZoneOffset.UTC);
    private static final Duration CAP = Duration.ofMinutes(5);

    @Test
    void deltaSecondsWholeOrWithAFraction() {
        assertThat(RetryAfter.parse("3", CAP, NOW)).contains(Duration.ofSeconds(3));
        assertThat(RetryAfter.parse(" 0.5 ", CAP, NOW)).contains(Duration.ofMillis(500));
        assertThat(RetryAfter.parse("0", CAP, NOW)).contains(Duration.ZERO);
    }

    @Test
    void anHttpDateIsTheTimeUntilThen() {
        assertThat(RetryAfter.parse("Sat, 01 Mar 2025 12:00:10 GMT", CAP, NOW)).contains(Duration.ofSeconds(10));
        // a date already past: no wait at all
        assertThat(RetryAfter.parse("Sat, 01 Mar 2025 11:59:00 GMT", CAP, NOW)).contains(Duration.ZERO);
    }

    @Test
    void theCallersCapBoundsEveryForm() {
        assertThat(RetryAfter.parse("3600", CAP, NOW)).contains(CAP);
        assertThat(RetryAfter.parse("3600", Duration.ofMinutes(2), NOW)).contains(Duration.ofMinutes(2));
        assertThat(RetryAfter.parse("Sun, 02 Mar 2025 12:00:00 GMT", CAP, NOW)).contains(CAP);
        assertThat(RetryAfter.millis("900000", CAP)).contains(CAP);
    }

    @Test
    void garbageIsNoWaitSoTheCallerUsesItsDefault() {
        for (String garbage : new String[] {null, "", "  ", "soon", "-5", "1e3", "NaN", "Infinity", "0x10", "3 s",
                "Sat, 32 Mar 2025 12:00:00 GMT", "99999999999999999999"}) {
            assertThat(RetryAfter.parse(garbage, CAP, NOW)).as("'%s'", garbage).isEmpty();
        }
        assertThat(RetryAfter.millis("fast", CAP)).isEmpty();
        assertThat(RetryAfter.millis("-20", CAP)).isEmpty();
    }

    @Test
    void openAisMillisecondsWinOverRetryAfterAndBadOnesFallBackToIt() {
        assertThat(RetryAfter.of(headers(Map.of("retry-after-ms", "1500", "Retry-After", "2")), CAP, NOW))
                .contains(Duration.ofMillis(1500));
        assertThat(RetryAfter.of(headers(Map.of("retry-after-ms", "20.5")), CAP, NOW))
                .contains(Duration.ofNanos(20_500_000));
        assertThat(RetryAfter.of(headers(Map.of("retry-after-ms", "later", "Retry-After", "2")), CAP, NOW))
                .contains(Duration.ofSeconds(2));
        assertThat(RetryAfter.of(headers(Map.of("RETRY-AFTER", "7")), CAP, NOW)).contains(Duration.ofSeconds(7));
        assertThat(RetryAfter.of(headers(Map.of()), CAP, NOW)).isEmpty();
    }

    private static HttpHeaders headers(Map<String, String> values) {
        Map<String, List<String>> map = new java.util.HashMap<>();
        values.forEach((k, v) -> map.put(k, List.of(v)));
        return HttpHeaders.of(map, (k, v) -> true);
    }
}
