package io.memshift.clients;

import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * Where a provider's per-minute limits stand, from what it says in every answer (OpenAI's
 * {@code x-ratelimit-limit-requests/-tokens} and {@code x-ratelimit-remaining-requests/-tokens}), so that requests
 * go out at the pace the limits allow instead of bouncing off them with 429s.
 *
 * <p>Each limit is a bucket that holds a minute's allowance and refills at a sixtieth of it per second, as OpenAI
 * describes its limits. Before a request leaves, {@link #reserve} takes one request and its tokens from the
 * buckets, or says how long to wait until they are there. Answers then correct the buckets: the provider's
 * remaining count, less what is still in flight (the provider may not have counted it yet). Until a provider has
 * named its limits nothing is paced: a provider without these headers is called as fast as before.
 *
 * <p>Shared by every request of one key (see {@link RateLimitPause#budget()}). Thread-safe.
 */
public final class RateLimitBudget {

    private final Clock clock;
    private final Bucket requests = new Bucket();
    private final Bucket tokens = new Bucket();
    private long inFlightRequests;
    private long inFlightTokens;
    /** The latest answer's counts on this thread, applied when its request settles (see {@link #settle}). */
    private final ThreadLocal<long[]> answered = new ThreadLocal<>();

    RateLimitBudget(Clock clock) {
        this.clock = clock;
    }

    /** A request of {@code cost} tokens: zero if it may go now (it is then counted in flight), else how long to wait. */
    public synchronized Duration reserve(long cost) {
        long now = clock.millis();
        long wait = Math.max(requests.waitMs(1, now), tokens.waitMs(cost, now));
        if (wait > 0) {
            return Duration.ofMillis(wait);
        }
        requests.take(1, now);
        tokens.take(cost, now);
        inFlightRequests++;
        inFlightTokens += cost;
        return Duration.ZERO;
    }

    /**
     * The request reserved with {@code cost} has its answer (or failed): it is no longer in flight, and the counts
     * of an answer observed on this thread meanwhile become the buckets' level.
     */
    public synchronized void settle(long cost) {
        inFlightRequests = Math.max(0, inFlightRequests - 1);
        inFlightTokens = Math.max(0, inFlightTokens - cost);
        long[] counts = answered.get();
        answered.remove();
        if (counts != null) {
            long now = clock.millis();
            requests.correct(counts[0], counts[1], inFlightRequests, now);
            tokens.correct(counts[2], counts[3], inFlightTokens, now);
        }
    }

    /** The headers of an answer, on the thread that sent its request; applied at {@link #settle}. */
    public void observe(HttpHeaders headers) {
        OptionalLong limitRequests = number(headers, "x-ratelimit-limit-requests");
        OptionalLong limitTokens = number(headers, "x-ratelimit-limit-tokens");
        OptionalLong remainingRequests = number(headers, "x-ratelimit-remaining-requests");
        OptionalLong remainingTokens = number(headers, "x-ratelimit-remaining-tokens");
        if (limitRequests.isEmpty() && limitTokens.isEmpty()) {
            return;
        }
        answered.set(new long[] {limitRequests.orElse(-1), remainingRequests.orElse(-1), limitTokens.orElse(-1),
                remainingTokens.orElse(-1)});
    }

    /** The most tokens one request may carry: the per-minute token limit once named (a larger one never fits). */
    public synchronized long largestRequestTokens() {
        return tokens.limit > 0 ? tokens.limit : Long.MAX_VALUE;
    }

    /** True once the provider has named a limit: requests are then paced. */
    public synchronized boolean known() {
        return requests.limit > 0 || tokens.limit > 0;
    }

    private static OptionalLong number(HttpHeaders headers, String name) {
        return headers.firstValue(name).map(String::trim).filter(v -> v.matches("\\d{1,18}"))
                .map(v -> OptionalLong.of(Long.parseLong(v))).orElse(OptionalLong.empty());
    }

    /** A minute's allowance, refilling continuously; unknown (never waits) until a limit is named. */
    private static final class Bucket {
        private long limit = -1;
        private double level;
        private long atMs;

        long waitMs(long amount, long now) {
            if (limit <= 0) {
                return 0;
            }
            refill(now);
            double needed = Math.min(amount, limit) - level;
            return needed <= 0 ? 0 : (long) Math.ceil(needed * 60_000.0 / limit);
        }

        void take(long amount, long now) {
            if (limit > 0) {
                refill(now);
                level -= amount;
            }
        }

        /** The provider counted {@code remaining} when it answered; what is still in flight may not be in it yet. */
        void correct(long newLimit, long remaining, long inFlight, long now) {
            if (newLimit <= 0 || remaining < 0) {
                return;
            }
            limit = newLimit;
            level = Math.min(limit, remaining) - inFlight;
            atMs = now;
        }

        private void refill(long now) {
            level = Math.min(limit, level + (now - atMs) * limit / 60_000.0);
            atMs = now;
        }
    }
}
