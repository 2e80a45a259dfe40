package io.memshift.clients;

import java.time.Clock;
import java.time.Duration;

/**
 * The one record of a rate limit: the moment before which no request may go to a server that answered 429, and
 * apart from it the moment before which no new request starts because the {@link #budget()} says the key's
 * per-minute limits do not allow it yet (see {@link #holdFor}). Shared by everything that calls that server with the
 * same key and quota (every request thread, every task of a stage), since a provider's limit holds for the key,
 * not for the request that hit it. Each is only ever extended: a shorter wait learnt later does not cut short a
 * longer one. Thread-safe.
 */
public final class RateLimitPause {

    private final Clock clock;
    private final RateLimitBudget budget;
    /** The provider's Retry-After: nothing goes to it before. */
    private long untilMs;
    /** Our own pacing (see {@link #holdFor}): no new request starts before. */
    private long heldUntilMs;

    public RateLimitPause() {
        this(Clock.systemUTC());
    }

    public RateLimitPause(Clock clock) {
        this.clock = clock;
        this.budget = new RateLimitBudget(clock);
    }

    /** Where the same key's per-minute limits stand, from the provider's answers: to pace before any 429. */
    public RateLimitBudget budget() {
        return budget;
    }

    /** No request before {@code wait} from now (or before the end of a longer pause already running). */
    public synchronized void extend(Duration wait) {
        untilMs = laterOf(untilMs, wait);
    }

    /**
     * No new request before {@code wait} from now: the {@link #budget()} said its tokens are not there yet. Unlike
     * a provider's Retry-After, this holds back only what has not been granted: a request the budget let go a moment
     * before still goes (its tokens are spent already; holding it back would waste them).
     */
    public synchronized void holdFor(Duration wait) {
        heldUntilMs = laterOf(heldUntilMs, wait);
    }

    /** The later of {@code current} and {@code wait} from now: a pause is only ever extended. */
    private long laterOf(long current, Duration wait) {
        return Math.max(current, clock.millis() + Math.max(0, wait.toMillis()));
    }

    /** How long new requests must still wait, for the provider's Retry-After or our pacing; zero once both are over. */
    public synchronized Duration remaining() {
        return Duration.ofMillis(Math.max(0, Math.max(untilMs, heldUntilMs) - clock.millis()));
    }

    /** How long the provider's own Retry-After still holds: no request at all may reach it before. */
    public synchronized Duration retryAfterRemaining() {
        return Duration.ofMillis(Math.max(0, untilMs - clock.millis()));
    }

    public boolean active() {
        return !remaining().isZero();
    }
}
