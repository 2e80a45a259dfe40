package io.memshift.clients;

import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.util.NavigableMap;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Where a provider's per-minute limits stand, from what it says in every answer (OpenAI's
 * {@code x-ratelimit-limit-requests/-tokens} and {@code x-ratelimit-remaining-requests/-tokens}), so that requests
 * go out at the pace the limits allow instead of bouncing off them with 429s.
 *
 * <p>Each limit is a bucket that holds a minute's allowance and refills at a sixtieth of it per second, as OpenAI
 * describes its limits. Before a request leaves, {@link #reserve} takes one request and its tokens from the
 * buckets, or says how long to wait until they are there. Answers then correct the buckets: the provider's
 * remaining count, less what left after the answered request (the provider had not counted it yet). Until a
 * provider has named its limits nothing is paced: a provider without these headers is called as fast as before.
 *
 * <p>Shared by every request of one key (see {@link RateLimitPause#budget()}). Thread-safe.
 */
public final class RateLimitBudget {

    private final Clock clock;
    private final Bucket requests = new Bucket();
    private final Bucket tokens = new Bucket();
    /** The tokens of each granted request still out, by the order in which they were granted. */
    private final NavigableMap<Long, Long> inFlight = new TreeMap<>();
    private long granted;
    /** The newest granted request whose answer has set the buckets: an older answer knows less. */
    private long newestCounted = -1;
    /** The latest answer's counts on this thread, applied when its request settles (see {@link #settle}). */
    private final ThreadLocal<long[]> answered = new ThreadLocal<>();

    RateLimitBudget(Clock clock) {
        this.clock = clock;
    }

    /**
     * A request's claim on the buckets. Granted (no delay), it holds its tokens until {@link #settle}, under its
     * {@code sequence} among granted requests; refused, it says how long until they would be there.
     */
    public record Reservation(Duration delay, long sequence) {
        public boolean granted() {
            return delay.isZero();
        }
    }

    /** A request of {@code cost} tokens: granted if it may go now (it is then in flight), else how long to wait. */
    public synchronized Reservation reserve(long cost) {
        long now = clock.millis();
        long wait = Math.max(requests.waitMs(1, now), tokens.waitMs(cost, now));
        if (wait > 0) {
            return new Reservation(Duration.ofMillis(wait), -1);
        }
        requests.take(1, now);
        tokens.take(cost, now);
        answered.remove(); // counts left on this thread by a call that never settled are not this request's
        long sequence = granted++;
        inFlight.put(sequence, cost);
        return new Reservation(Duration.ZERO, sequence);
    }

    /**
     * The granted request has its answer (or failed): it is no longer in flight, and the counts of an answer
     * observed on this thread meanwhile become the buckets' level.
     *
     * <p>The provider counted when the request arrived: every request granted before it (they left first), none
     * granted after it. So the level is the provider's remaining count less what was granted after this request
     * and is still out. Answers come back in any order; one to a request older than the newest already counted is
     * stale (it predates requests the newer count includes) and changes nothing. Requests sent at once may also
     * arrive in another order than they were granted; the level is then off by those requests' tokens until the
     * next answer.
     */
    public synchronized void settle(Reservation reservation) {
        long[] counts = answered.get();
        answered.remove();
        if (!reservation.granted()) {
            return;
        }
        inFlight.remove(reservation.sequence());
        if (counts != null && reservation.sequence() > newestCounted) {
            newestCounted = reservation.sequence();
            SortedMap<Long, Long> later = inFlight.tailMap(reservation.sequence(), false);
            long laterTokens = later.values().stream().mapToLong(Long::longValue).sum();
            long now = clock.millis();
            requests.correct(counts[0], counts[1], later.size(), now);
            tokens.correct(counts[2], counts[3], laterTokens, now);
        }
    }

    /** The headers of an answer, on the thread that sent its request; applied at {@link #settle}. */
    public void observe(HttpHeaders headers) {
        OptionalLong limitRequests = number(headers, "x-ratelimit-limit-requests");
        OptionalLong limitTokens = number(headers, "x-ratelimit-limit-tokens");
        OptionalLong remainingRequests = number(headers, "x-ratelimit-remaining-requests");
        OptionalLong remainingTokens = number(headers, "x-ratelimit-remaining-tokens");
        if (limitRequests.isEmpty() && limitTokens.isEmpty()) {
            answered.remove();
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

        /** The provider counted {@code remaining} when it answered; {@code inFlight} left after and is not in it. */
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
