package io.memshift.reembedder;

import java.util.concurrent.atomic.AtomicLong;

/** Counters the re-embedder keeps, readable while it runs (the CLI prints them as progress). */
public final class ReembedMetrics {

    private final AtomicLong events = new AtomicLong();
    private final AtomicLong embedded = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong staleDropped = new AtomicLong();
    private final AtomicLong modelNanos = new AtomicLong();
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong cacheHits = new AtomicLong();
    private final AtomicLong modelRetries = new AtomicLong();

    void batch(int eventCount, int embeddedCount) {
        events.addAndGet(eventCount);
        embedded.addAndGet(embeddedCount);
        batches.incrementAndGet();
    }

    void modelCall(int texts, long nanos) {
        modelNanos.addAndGet(nanos);
    }

    void countStaleDropped() {
        staleDropped.incrementAndGet();
    }

    void modelRetry() {
        modelRetries.incrementAndGet();
    }

    /** Batches put back because the model was unavailable for the moment. */
    public long modelRetries() {
        return modelRetries.get();
    }

    void cacheHit() {
        cacheHits.incrementAndGet();
    }

    /** Texts whose vector came from the cache instead of the model. */
    public long cacheHits() {
        return cacheHits.get();
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
        return events.get();
    }

    /** Distinct texts sent to the model (cache misses). */
    public long embedded() {
        return embedded.get();
    }

    public long batches() {
        return batches.get();
    }

    public long staleDropped() {
        return staleDropped.get();
    }

    public double modelSeconds() {
        return modelNanos.get() / 1e9;
    }
}
