package io.memshift.importer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The importer's meters, in Micrometer like the re-embedder's ({@code ReembedMetrics}), tagged with the target
 * index:
 *
 * <ul>
 *   <li>{@code memshift.import.records}: records read from the embedded topic: its rate is the stage's
 *       records/s;</li>
 *   <li>{@code memshift.import.documents}: bulk items settled, tagged {@code outcome=indexed|deleted|stale}
 *       (stale: a 409, the index already holds a newer version);</li>
 *   <li>{@code memshift.import.dlq}: memories Elasticsearch refused for good, sent to the dead-letter topic;</li>
 *   <li>{@code memshift.import.retries}: items or whole bulks sent again, tagged with the {@code status} that
 *       asked for it ({@code 429}, {@code 502}, {@code 503}, {@code 504}, or {@code none} when nothing
 *       answered);</li>
 *   <li>{@code memshift.import.bulk.latency}: time per {@code _bulk} request, tagged
 *       {@code outcome=success|failure};</li>
 *   <li>{@code memshift.import.bulk.size}: documents per {@code _bulk} request.</li>
 * </ul>
 */
public final class ImportMetrics {

    private final MeterRegistry registry;
    private final Tags tags;
    private final Counter records;
    private final Counter indexed;
    private final Counter deleted;
    private final Counter stale;
    private final Counter dlq;
    private final Timer bulkSuccess;
    private final Timer bulkFailure;
    private final DistributionSummary bulkSize;
    private final Map<String, Counter> retries = new ConcurrentHashMap<>();

    /** Meters in a registry of their own. */
    public ImportMetrics() {
        this(new SimpleMeterRegistry(), "unknown");
    }

    public ImportMetrics(MeterRegistry registry, String index) {
        this.registry = registry;
        this.tags = Tags.of("index", index);
        records = registry.counter("memshift.import.records", tags);
        indexed = registry.counter("memshift.import.documents", tags.and("outcome", "indexed"));
        deleted = registry.counter("memshift.import.documents", tags.and("outcome", "deleted"));
        stale = registry.counter("memshift.import.documents", tags.and("outcome", "stale"));
        dlq = registry.counter("memshift.import.dlq", tags);
        bulkSuccess = Timer.builder("memshift.import.bulk.latency").tags(tags).tag("outcome", "success").register(registry);
        bulkFailure = Timer.builder("memshift.import.bulk.latency").tags(tags).tag("outcome", "failure").register(registry);
        bulkSize = DistributionSummary.builder("memshift.import.bulk.size").tags(tags).register(registry);
        // Registered up front so a dashboard sees 0, not "no data", until the first 429.
        retry(429);
    }

    void polled(int count) {
        records.increment(count);
    }

    void settled(BulkOutcome outcome) {
        indexed.increment(outcome.indexed());
        deleted.increment(outcome.deleted());
        stale.increment(outcome.stale());
        dlq.increment(outcome.dead());
    }

    void bulk(int documents, long nanos, boolean success) {
        bulkSize.record(documents);
        (success ? bulkSuccess : bulkFailure).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** One item or bulk sent again after {@code status} (-1: no answer at all). */
    Counter retry(int status) {
        String tag = status < 0 ? "none" : Integer.toString(status);
        return retries.computeIfAbsent(tag, t -> registry.counter("memshift.import.retries", tags.and("status", t)));
    }

    /** Records read from the topic. */
    public long records() {
        return (long) records.count();
    }

    /** Items or bulks sent again because Elasticsearch answered {@code status} (-1: did not answer). */
    public long retries(int status) {
        return (long) retry(status).count();
    }
}
