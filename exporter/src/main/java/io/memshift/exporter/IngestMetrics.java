package io.memshift.exporter;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The ingest server's meters, in Micrometer like the stages' own:
 *
 * <ul>
 *   <li>{@code memshift.ingest.events}: events the broker acknowledged: its rate is the live changes' records/s;</li>
 *   <li>{@code memshift.ingest.requests}: requests answered, tagged with the HTTP {@code status} (200, 400, 503,
 *       ...): the 4xx are refused requests, the 5xx asked the sender to retry;</li>
 *   <li>{@code memshift.ingest.publish.latency}: time from publishing a request's events to the broker's
 *       acknowledgement of all of them, tagged {@code outcome=success|failure}.</li>
 * </ul>
 */
final class IngestMetrics {

    private final MeterRegistry registry;
    private final Counter events;
    private final Timer publishSuccess;
    private final Timer publishFailure;
    private final Map<Integer, Counter> requests = new ConcurrentHashMap<>();

    IngestMetrics() {
        this(new SimpleMeterRegistry());
    }

    IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
        events = registry.counter("memshift.ingest.events");
        publishSuccess = Timer.builder("memshift.ingest.publish.latency").tag("outcome", "success").register(registry);
        publishFailure = Timer.builder("memshift.ingest.publish.latency").tag("outcome", "failure").register(registry);
        // Registered up front so a dashboard sees 0, not "no data", until the first request.
        answered(200, false);
    }

    void published(int count, long nanos) {
        events.increment(count);
        publishSuccess.record(nanos, TimeUnit.NANOSECONDS);
    }

    void publishFailed(long nanos) {
        publishFailure.record(nanos, TimeUnit.NANOSECONDS);
    }

    void answered(int status) {
        answered(status, true);
    }

    private void answered(int status, boolean count) {
        Counter counter = requests.computeIfAbsent(status,
                s -> registry.counter("memshift.ingest.requests", "status", Integer.toString(s)));
        if (count) {
            counter.increment();
        }
    }
}
