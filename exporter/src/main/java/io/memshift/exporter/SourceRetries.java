package io.memshift.exporter;

import io.memshift.clients.Backoff;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * How a source read over HTTP (the Mem0 API, Qdrant) retries a call that failed for the server's sake (5xx, a
 * broken connection): {@link #SERVER_ERRORS}, then it gives up with a {@link SourceUnavailableException} that
 * names the call and its last problem.
 */
final class SourceRetries {

    static final int MAX_ATTEMPTS = 6;
    /** 0.5 s, 1 s, 2 s, 4 s, 8 s between the 6 tries (each less up to 20 % at random). */
    static final Backoff SERVER_ERRORS = Backoff.exponential(Duration.ofMillis(500), Duration.ofSeconds(30))
            .withJitter(0.2).withMaxAttempts(MAX_ATTEMPTS);

    private SourceRetries() {
    }

    /**
     * Counts a failed try of {@code call}: waits before the next one, or, after the last, throws what
     * {@code giveUp} makes of the message.
     */
    static void retryOrGiveUp(Backoff.Attempts failures, String call, String problem, Logger log,
                              Function<String, SourceUnavailableException> giveUp) {
        Optional<Duration> wait = failures.nextWithinBudget();
        if (wait.isEmpty()) {
            throw giveUp.apply(call + " failed " + failures.failures() + " times; last: " + problem);
        }
        log.warn("{} {} (attempt {} of {}); retrying in {} ms", call, problem, failures.failures(), MAX_ATTEMPTS,
                wait.get().toMillis());
        try {
            failures.await(wait.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw giveUp.apply("interrupted while waiting to retry " + call);
        }
    }
}
