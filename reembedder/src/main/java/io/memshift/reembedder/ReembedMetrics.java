package io.memshift.reembedder;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The re-embedder's meters, in Micrometer (so any registry can export them: Prometheus, JMX, ...), tagged with
 * the model id, and readable as plain numbers while the stage runs (the CLI prints them as progress).
 *
 * <ul>
 *   <li>{@code memshift.reembed.events}: events forwarded downstream (upserts and deletes): its rate is the
 *       stage's records/s;</li>
 *   <li>{@code memshift.reembed.texts}: distinct texts sent to the model (cache misses);</li>
 *   <li>{@code memshift.reembed.batch.size}: events per batch;</li>
 *   <li>{@code memshift.reembed.model.latency}: time per model request, tagged {@code outcome=success|failure};</li>
 *   <li>{@code memshift.reembed.model.retries}: batches put back because the model was throttling or down;</li>
 *   <li>{@code memshift.reembed.model.throttled}: model requests answered 429 (rate limited);</li>
 *   <li>{@code memshift.reembed.dlq}: memories the model refused, sent to the dead-letter topic;</li>
 *   <li>{@code memshift.reembed.paced}: flushes that stopped to wait for the provider's per-minute limits;</li>
 *   <li>{@code memshift.reembed.cache.hits}, {@code memshift.reembed.stale.dropped};</li>
 *   <li>{@code memshift.reembed.pending}: memories waiting in batches (gauge).</li>
 * </ul>
 *
 * {@code memshift serve} keeps the same meters under {@code memshift.serve.*} (only the model's are used there).
 */
public final class ReembedMetrics {

    private final Counter events;
    private final Counter texts;
    private final Counter batches;
    private final DistributionSummary batchSize;
    private final Counter staleDropped;
    private final Timer modelSuccess;
    private final Timer modelFailure;
    private final Counter cacheHits;
    private final Counter modelRetries;
    private volatile String lastModelFailure;
    private final Counter throttled;
    private final Counter dlq;
    private final Counter paced;
    private final AtomicLong pending = new AtomicLong();

    /** Meters in a registry of their own. */
    public ReembedMetrics() {
        this(new SimpleMeterRegistry(), "unknown");
    }

    public ReembedMetrics(MeterRegistry registry, String modelId) {
        this(registry, "memshift.reembed", modelId);
    }

    /** @param prefix the meters' common name: {@code memshift.reembed} for the stage, {@code memshift.serve} for serve */
    public ReembedMetrics(MeterRegistry registry, String prefix, String modelId) {
        Tags tags = Tags.of("model", modelId);
        events = registry.counter(prefix + ".events", tags);
        texts = registry.counter(prefix + ".texts", tags);
        batches = registry.counter(prefix + ".batches", tags);
        batchSize = DistributionSummary.builder(prefix + ".batch.size").tags(tags).register(registry);
        staleDropped = registry.counter(prefix + ".stale.dropped", tags);
        modelSuccess = Timer.builder(prefix + ".model.latency").tags(tags).tag("outcome", "success").register(registry);
        modelFailure = Timer.builder(prefix + ".model.latency").tags(tags).tag("outcome", "failure").register(registry);
        cacheHits = registry.counter(prefix + ".cache.hits", tags);
        modelRetries = registry.counter(prefix + ".model.retries", tags);
        throttled = registry.counter(prefix + ".model.throttled", tags);
        dlq = registry.counter(prefix + ".dlq", tags);
        paced = registry.counter(prefix + ".paced", tags);
        Gauge.builder(prefix + ".pending", pending, AtomicLong::get).tags(tags).register(registry);
    }

    void batch(int eventCount, int embeddedCount) {
        events.increment(eventCount);
        texts.increment(embeddedCount);
        batches.increment();
        batchSize.record(eventCount);
    }

    void modelCall(long nanos, boolean success) {
        (success ? modelSuccess : modelFailure).record(nanos, TimeUnit.NANOSECONDS);
    }

    void countStaleDropped() {
        staleDropped.increment();
    }

    void modelRetry(String failure) {
        modelRetries.increment();
        lastModelFailure = failure;
    }

    /** The model answered a whole batch: what failed before is over. */
    void modelAnswered() {
        lastModelFailure = null;
    }

    /**
     * What the last failed model call was, in a few words (its type, its status, its root cause's type: never a
     * request or an answer), or null if none failed since the model last answered: a run that stalls says why.
     */
    public String lastModelFailure() {
        return lastModelFailure;
    }

    /** A flush stopped sending because the provider's per-minute limits needed a longer wait. */
    void paced() {
        paced.increment();
    }

    /** Flushes that stopped to wait for the provider's per-minute limits (no 429 needed). */
    public long pacedFlushes() {
        return (long) paced.count();
    }

    void countThrottled() {
        throttled.increment();
    }

    /** Model requests answered 429. */
    public long throttled() {
        return (long) throttled.count();
    }

    void countDeadLetter() {
        dlq.increment();
    }

    /** Batches put back because the model was unavailable for the moment. */
    public long modelRetries() {
        return (long) modelRetries.count();
    }

    /** Memories the model refused, now in the dead-letter topic. */
    public long deadLettered() {
        return (long) dlq.count();
    }

    void cacheHit() {
        cacheHits.increment();
    }

    /** Texts whose vector came from the cache instead of the model. */
    public long cacheHits() {
        return (long) cacheHits.count();
    }

    void pendingChanged(long delta) {
        pending.addAndGet(delta);
    }

    /** Memories waiting in batches of this instance's tasks. */
    public long pending() {
        return pending.get();
    }

    /** Events forwarded downstream (upserts and deletes). */
    public long events() {
        return (long) events.count();
    }

    /** Distinct texts sent to the model (cache misses). */
    public long embedded() {
        return (long) texts.count();
    }

    public long batches() {
        return (long) batches.count();
    }

    public long staleDropped() {
        return (long) staleDropped.count();
    }

    /** Time spent in successful model requests. */
    public double modelSeconds() {
        return modelSuccess.totalTime(TimeUnit.SECONDS);
    }

    /** Mean events per batch. */
    public double meanBatchSize() {
        return batchSize.mean();
    }

    /** Mean time of a successful model request, in milliseconds. */
    public double meanModelLatencyMs() {
        return modelSuccess.mean(TimeUnit.MILLISECONDS);
    }
}
