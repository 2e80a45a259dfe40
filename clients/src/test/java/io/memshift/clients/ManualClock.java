package io.memshift.clients;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** A clock that moves only when told, or when something sleeps on it: schedules are read without waiting. */
final class ManualClock extends Clock {

    private Instant now = Instant.parse("2025-01-01T00:00:00Z");
    final List<Duration> slept = new ArrayList<>();

    void advance(Duration duration) {
        now = now.plus(duration);
    }

    /** A sleeper for {@link Backoff#withTime}: records the wait and moves the clock by it. */
    void sleep(Duration duration) {
        slept.add(duration);
        advance(duration);
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
