package io.memshift.clients;

import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The wait a server asks for with a 429 or a 503: {@code Retry-After} as delta-seconds or as an HTTP date
 * (RFC 9110 §10.2.3), or OpenAI's {@code retry-after-ms}, which is more precise and wins when both are there.
 * A wait in the past is zero; a wait longer than the caller's cap is the cap (a caller decides how long it is
 * willing to be held up, not the server). A value that is neither is no wait at all: empty, and the caller
 * falls back to its own default.
 */
public final class RetryAfter {

    /** Delta-seconds, with a fraction as some servers send it ({@code 0.5}); never signed or in exponent form. */
    private static final Pattern SECONDS = Pattern.compile("\\d{1,12}(\\.\\d{1,9})?");
    private static final Pattern MILLIS = Pattern.compile("\\d{1,15}(\\.\\d{1,9})?");

    private RetryAfter() {
    }

    /** The wait of a response's headers: {@code retry-after-ms}, else {@code Retry-After}. */
    public static Optional<Duration> of(HttpHeaders headers, Duration cap) {
        return of(headers, cap, Clock.systemUTC());
    }

    static Optional<Duration> of(HttpHeaders headers, Duration cap, Clock clock) {
        Optional<Duration> millis = headers.firstValue("retry-after-ms").flatMap(value -> millis(value, cap));
        return millis.isPresent() ? millis
                : headers.firstValue("retry-after").flatMap(value -> parse(value, cap, clock));
    }

    /** A {@code Retry-After} value: delta-seconds or an HTTP date. */
    public static Optional<Duration> parse(String value, Duration cap) {
        return parse(value, cap, Clock.systemUTC());
    }

    static Optional<Duration> parse(String value, Duration cap, Clock clock) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String text = value.trim();
        if (SECONDS.matcher(text).matches()) {
            return Optional.of(capped(Duration.ofNanos(Math.round(Double.parseDouble(text) * 1e9)), cap));
        }
        try {
            Instant at = ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            return Optional.of(capped(Duration.between(clock.instant(), at), cap));
        } catch (DateTimeParseException notADate) {
            return Optional.empty();
        }
    }

    /** A {@code retry-after-ms} value: milliseconds. */
    public static Optional<Duration> millis(String value, Duration cap) {
        if (value == null || !MILLIS.matcher(value.trim()).matches()) {
            return Optional.empty();
        }
        return Optional.of(capped(Duration.ofNanos(Math.round(Double.parseDouble(value.trim()) * 1e6)), cap));
    }

    private static Duration capped(Duration wait, Duration cap) {
        if (wait.isNegative()) {
            return Duration.ZERO;
        }
        return wait.compareTo(cap) > 0 ? cap : wait;
    }
}
