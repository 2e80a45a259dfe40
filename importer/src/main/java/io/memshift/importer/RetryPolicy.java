package io.memshift.importer;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.transport.TransportException;
import java.time.Duration;
import org.elasticsearch.client.ResponseException;

/**
 * How long the importer keeps retrying an overloaded or unreachable Elasticsearch: exponential backoff from
 * {@code first} up to {@code max} per wait, for at most {@code budget} in all. The budget stays well under the
 * consumer's {@code max.poll.interval.ms} (5 min), so a long outage stops the importer cleanly (offsets
 * uncommitted, nothing lost) instead of getting it thrown out of its group mid-write.
 */
record RetryPolicy(Duration first, Duration max, Duration budget) {

    static final RetryPolicy DEFAULT = new RetryPolicy(Duration.ofMillis(100), Duration.ofSeconds(10), Duration.ofMinutes(3));

    Duration next(Duration previous) {
        Duration doubled = previous.multipliedBy(2);
        return doubled.compareTo(max) > 0 ? max : doubled;
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

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImportException("interrupted while backing off", e);
        }
    }
}
