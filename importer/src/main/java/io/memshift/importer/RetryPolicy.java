package io.memshift.importer;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.transport.TransportException;
import io.memshift.clients.Backoff;
import java.time.Duration;
import org.elasticsearch.client.ResponseException;

/**
 * When and how long the importer retries an overloaded or unreachable Elasticsearch.
 *
 * <p>{@link #BACKOFF}: 100 ms doubling to 10 s per wait (each shortened by up to 20 %, so the bulk threads that
 * failed together do not come back together), for at most 3 minutes in all. The budget stays well under the
 * consumer's {@code max.poll.interval.ms} (5 min), so a long outage stops the importer cleanly (offsets
 * uncommitted, nothing lost) instead of getting it thrown out of its group mid-write.
 */
final class RetryPolicy {

    static final Backoff BACKOFF = Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(10))
            .withJitter(0.2).withBudget(Duration.ofMinutes(3));

    private RetryPolicy() {
    }

    /** True for statuses that mean "not now": 429 (too many requests), 502/503/504 (unavailable). */
    static boolean retryableStatus(int status) {
        return status == 429 || status == 502 || status == 503 || status == 504;
    }

    /** The HTTP status behind a client exception, or -1 when there was no response (connection refused ...). */
    static int statusOf(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ElasticsearchException es) {
                return es.status();
            }
            if (t instanceof TransportException transport && transport.statusCode() > 0) {
                return transport.statusCode();
            }
            if (t instanceof ResponseException response) {
                return response.getResponse().getStatusLine().getStatusCode();
            }
        }
        return -1;
    }

    /** Waits before the next try; false, without waiting, once the budget would be passed. */
    static boolean sleep(Backoff.Attempts attempts) {
        try {
            return attempts.sleep();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImportException("interrupted while backing off", e);
        }
    }
}
