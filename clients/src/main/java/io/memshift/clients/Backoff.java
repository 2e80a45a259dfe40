package io.memshift.clients;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with jitter: after the n-th failure in a row the wait is {@code first · 2^(n-1)}, at most
 * {@code max}, less a random part of up to {@code jitter} of it. The schedule is the longest anyone waits; the
 * jitter only shortens a wait, so that callers that failed together (the bulk threads of one importer, the tasks
 * of one re-embedder) do not all try again in the same millisecond.
 *
 * <p>An optional budget bounds a whole retry loop, in time or in tries: {@link Attempts#sleep()} refuses a wait
 * that would end after the deadline, or a try beyond the last, and the caller gives up with its own message. The clock, the sleeper and the random source are injectable,
 * so the schedule is tested without waiting.
 *
 * <p>A {@code Backoff} is an immutable schedule, shared freely; each retry loop takes its own {@link Attempts}.
 */
public final class Backoff {

    /** How a wait is waited: {@link Thread#sleep} outside tests. */
    @FunctionalInterface
    public interface Sleeper {
        Sleeper THREAD = duration -> Thread.sleep(duration.toMillis());

        void sleep(Duration duration) throws InterruptedException;
    }

    private final Duration first;
    private final Duration max;
    private final double jitter;
    private final Duration budget;
    private final int maxAttempts;
    private final Clock clock;
    private final Sleeper sleeper;
    private final DoubleSupplier random;

    private Backoff(Duration first, Duration max, double jitter, Duration budget, int maxAttempts, Clock clock,
                    Sleeper sleeper, DoubleSupplier random) {
        if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
            throw new IllegalArgumentException("a backoff needs 0 < first <= max, got " + first + " and " + max);
        }
        if (!(jitter >= 0 && jitter < 1)) {
            throw new IllegalArgumentException("jitter is a fraction in [0, 1), got " + jitter);
        }
        this.first = first;
        this.max = max;
        this.jitter = jitter;
        this.budget = budget;
        this.maxAttempts = maxAttempts;
        this.clock = clock;
        this.sleeper = sleeper;
        this.random = random;
    }

    /** Waits of {@code first}, doubling up to {@code max}; no jitter and no budget until asked for. */
    public static Backoff exponential(Duration first, Duration max) {
        return new Backoff(first, max, 0, null, Integer.MAX_VALUE, Clock.systemUTC(), Sleeper.THREAD,
                () -> ThreadLocalRandom.current().nextDouble());
    }

    /** Each wait shortened by a random fraction of it, up to {@code fraction} (e.g. 0.2: between 80 % and 100 %). */
    public Backoff withJitter(double fraction) {
        return new Backoff(first, max, fraction, budget, maxAttempts, clock, sleeper, random);
    }

    /** A retry loop may wait only until this long after it started. */
    public Backoff withBudget(Duration total) {
        return new Backoff(first, max, jitter, total, maxAttempts, clock, sleeper, random);
    }

    /** A retry loop makes at most {@code tries} tries in all: the first and {@code tries - 1} more. */
    public Backoff withMaxAttempts(int tries) {
        if (tries < 1) {
            throw new IllegalArgumentException("at least one try, got " + tries);
        }
        return new Backoff(first, max, jitter, budget, tries, clock, sleeper, random);
    }

    /** For tests: time read from {@code clock}, waits handed to {@code sleeper}, jitter drawn from {@code random} (in [0, 1)). */
    public Backoff withTime(Clock clock, Sleeper sleeper, DoubleSupplier random) {
        return new Backoff(first, max, jitter, budget, maxAttempts, clock, sleeper, random);
    }

    public Duration first() {
        return first;
    }

    public Duration max() {
        return max;
    }

    /** The whole loop's budget, or null without one. */
    public Duration budget() {
        return budget;
    }

    /** The most tries a loop makes ({@link Integer#MAX_VALUE} without a limit). */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** The scheduled wait after the {@code failures}-th failure in a row (1 for the first), before jitter. */
    public Duration scheduled(int failures) {
        if (failures < 1) {
            throw new IllegalArgumentException("failures count from 1, got " + failures);
        }
        Duration wait = first;
        for (int n = 1; n < failures && wait.compareTo(max) < 0; n++) {
            wait = wait.multipliedBy(2);
        }
        return wait.compareTo(max) > 0 ? max : wait;
    }

    /** A new retry loop; its budget, if any, runs from now. */
    public Attempts start() {
        return new Attempts(budget == null ? null : clock.instant().plus(budget));
    }

    /** A new retry loop that shares a deadline with another (or has none: null). */
    public Attempts start(Instant deadline) {
        return new Attempts(deadline);
    }

    /** One retry loop: the failures in a row so far, and the deadline. Not thread-safe: one per loop. */
    public final class Attempts {
        private final Instant deadline;
        private int failures;

        private Attempts(Instant deadline) {
            this.deadline = deadline;
        }

        /** Counts a failure and returns the wait before the next try. */
        public Duration next() {
            failures = failures == Integer.MAX_VALUE ? failures : failures + 1;
            Duration scheduled = scheduled(failures);
            if (jitter == 0) {
                return scheduled;
            }
            double shorten = jitter * Math.min(Math.max(random.getAsDouble(), 0), 1);
            return Duration.ofNanos(Math.round(scheduled.toNanos() * (1 - shorten)));
        }

        /** Progress was made: the next failure waits {@code first} again. */
        public void reset() {
            failures = 0;
        }

        /** Failures in a row since the start or the last {@link #reset()}. */
        public int failures() {
            return failures;
        }

        /** When the loop's budget ends, or null without one. */
        public Instant deadline() {
            return deadline;
        }

        /**
         * Counts a failure and returns the wait before the next try; empty if there is no next try: the last one
         * allowed has failed, or the wait would end after the deadline.
         */
        public Optional<Duration> nextWithinBudget() {
            Duration wait = next();
            if (failures >= maxAttempts || deadline != null && clock.instant().plus(wait).isAfter(deadline)) {
                return Optional.empty();
            }
            return Optional.of(wait);
        }

        /** Waits {@code wait} (one {@link #nextWithinBudget()} gave) on the backoff's sleeper. */
        public void await(Duration wait) throws InterruptedException {
            sleeper.sleep(wait);
        }

        /**
         * Counts a failure and waits before the next try. Returns false, without waiting, if there is no next
         * try (see {@link #nextWithinBudget()}): the caller gives up.
         */
        public boolean sleep() throws InterruptedException {
            Optional<Duration> wait = nextWithinBudget();
            if (wait.isPresent()) {
                await(wait.get());
            }
            return wait.isPresent();
        }
    }
}
