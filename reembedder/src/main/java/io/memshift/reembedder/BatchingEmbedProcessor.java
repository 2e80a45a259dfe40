package io.memshift.reembedder;

import io.memshift.clients.Backoff;
import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.Headers;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.ModelFingerprint;
import io.memshift.schemas.Op;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects memories into batches and embeds each batch with one {@code embedAll} call.
 *
 * <p>The batch lives in a changelogged state store, never only in a Java list: under exactly-once the input
 * offsets are committed on Streams' own schedule (every commit interval), so a record counted as consumed must
 * be in a store whose changes commit in the same transaction. After a crash the store is restored to exactly
 * the records whose offsets were committed, and nothing is lost or embedded twice in the output.
 *
 * <p>The store is keyed by memory id: a newer event for a memory already waiting replaces it (an older one is
 * dropped), so a batch holds at most one event per memory and per-memory order is kept. DELETE events wait in
 * the same batch, so a delete can never overtake an upsert of the same memory.
 */
final class BatchingEmbedProcessor implements Processor<String, MemoryEvent, String, SpecificRecord> {

    private static final Logger LOG = LoggerFactory.getLogger(BatchingEmbedProcessor.class);

    /**
     * No new model request starts after this much of a flush: with requests timing out at 30 s, a flush ends
     * within about 45 s, inside the 60 s transaction timeout and far inside max.poll.interval.ms (5 min).
     */
    static final Duration MODEL_BUDGET = Duration.ofSeconds(15);
    /**
     * How long the batch waits after the model was unavailable (5xx, timeout, unreachable) without progress: 1 s
     * doubling to 60 s, less up to 20 % so that the tasks of one instance do not all come back at once.
     */
    static final Backoff OUTAGE = Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(60)).withJitter(0.2);
    /**
     * A task's first batch is at most this large. It decides how soon the first memories reach the index (a full
     * batch of 256 took the tuned model most of a second, on a session's slow first runs), and, for a provider, it is
     * the request that learns the key's rate limits from the answer's headers before full batches go out.
     */
    static final int FIRST_BATCH_SIZE = 32;

    private final String storeName;
    private final String cacheStoreName;
    private final String outputNode;
    private final String deadLetterNode;
    private final ResilientEmbedder embedder;
    private final ModelProfile profile;
    private final int batchSize;
    private final Duration maxWait;
    private final ReembedMetrics metrics;

    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, MemoryEvent> pending;
    private EmbeddingCache cache;
    private ModelFingerprint fingerprint;
    private long pendingCount;
    private long oldestPendingAtMs = -1;
    /** While the model is unavailable: no call before this time; batches wait in the store meanwhile. */
    private long retryAtMs;
    /** Outages in a row without progress. */
    private final Backoff.Attempts outages = OUTAGE.start();
    /** Until this task's first batch has gone to the model: see {@link #FIRST_BATCH_SIZE}. */
    private boolean firstBatch = true;

    /**
     * @param outputNode     the sink for embedded events
     * @param deadLetterNode the sink for memories the model refuses
     */
    BatchingEmbedProcessor(String storeName, String cacheStoreName, String outputNode, String deadLetterNode,
                           ResilientEmbedder embedder, ModelProfile profile, int batchSize, Duration maxWait,
                           ReembedMetrics metrics) {
        this.storeName = storeName;
        this.cacheStoreName = cacheStoreName;
        this.outputNode = outputNode;
        this.deadLetterNode = deadLetterNode;
        this.embedder = embedder;
        this.profile = profile;
        this.batchSize = batchSize;
        this.maxWait = maxWait;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.pending = context.getStateStore(storeName);
        this.cache = new EmbeddingCache(context.getStateStore(cacheStoreName), profile);
        this.fingerprint = profile.fingerprint();
        // The store may come back holding a batch of a previous run. Counted exactly (a batch is small):
        // RocksDB only estimates.
        long count = 0;
        try (KeyValueIterator<String, MemoryEvent> all = pending.all()) {
            while (all.hasNext()) {
                all.next();
                count++;
            }
        }
        this.pendingCount = count;
        metrics.pendingChanged(pendingCount);
        if (pendingCount > 0) {
            oldestPendingAtMs = context.currentSystemTimeMs();
        }
        long tick = Math.max(10, maxWait.toMillis() / 4);
        context.schedule(Duration.ofMillis(tick), PunctuationType.WALL_CLOCK_TIME, now -> {
            if (pendingCount > 0 && now - oldestPendingAtMs >= maxWait.toMillis() && mayCallModel(now)) {
                flush();
            }
        });
    }

    @Override
    public void process(Record<String, MemoryEvent> record) {
        MemoryEvent event = record.value();
        if (event == null) {
            return; // a tombstone in the compacted input carries nothing to embed or apply
        }
        String id = event.getId();
        MemoryEvent waiting = pending.get(id);
        if (waiting != null) {
            if (waiting.getVersion() > event.getVersion()) {
                metrics.countStaleDropped();
                return;
            }
        } else {
            pendingCount++;
            metrics.pendingChanged(1);
        }
        pending.put(id, event);
        if (oldestPendingAtMs < 0) {
            oldestPendingAtMs = context.currentSystemTimeMs();
        }
        if (pendingCount >= batchLimit() && mayCallModel(context.currentSystemTimeMs())) {
            flush();
        }
    }

    /**
     * Embeds and forwards up to one batch of the memories waiting. Each memory leaves the store only when it is
     * settled: forwarded with its vector (or as a delete), or sent to the dead-letter topic because the model
     * refused its text. A memory whose request hit a rate limit, an outage or the flush's time budget stays in the
     * store, and the next flush asks only for what is still missing (vectors already returned are in the cache).
     * After a rate limit the next try waits as long as the provider's Retry-After asked (the profile's rate-limit
     * pause, shared by every task); after an outage, a growing pause ({@link #OUTAGE}). Meanwhile the stage keeps committing and stays in its group: a provider down
     * for minutes stalls the stage without losing or duplicating anything.
     */
    private void flush() {
        List<KeyValue<String, MemoryEvent>> batch = new ArrayList<>();
        int limit = batchLimit();
        try (KeyValueIterator<String, MemoryEvent> all = pending.all()) {
            // At most one batch per call, so a backlog (after an outage) never becomes one huge model call.
            while (all.hasNext() && batch.size() < limit) {
                batch.add(all.next());
            }
        }
        firstBatch = false;
        // Each upsert's vector: from the cache when this model already embedded that exact text, otherwise from
        // the model, asked once per distinct text still missing.
        Map<String, float[]> vectors = new HashMap<>();     // cache key -> vector
        Map<String, String> missing = new LinkedHashMap<>(); // cache key -> model input
        Map<String, String> keys = new HashMap<>();          // memory id -> cache key
        for (KeyValue<String, MemoryEvent> entry : batch) {
            if (entry.value.getOp() == Op.UPSERT) {
                String input = profile.inputOf(entry.value.getText());
                String key = cache.keyOf(input);
                keys.put(entry.key, key);
                if (!vectors.containsKey(key) && !missing.containsKey(key)) {
                    float[] cached = cache.get(key);
                    if (cached != null) {
                        vectors.put(key, cached);
                        metrics.cacheHit();
                    } else {
                        missing.put(key, input);
                    }
                }
            }
        }
        Map<String, String> refused = new HashMap<>();       // cache key -> reason
        int embeddedTexts = 0;
        Throwable unavailable = null;
        if (!missing.isEmpty()) {
            List<String> missingKeys = new ArrayList<>(missing.keySet());
            ResilientEmbedder.Outcome outcome = embedder.embed(new ArrayList<>(missing.values()), MODEL_BUDGET);
            for (int i = 0; i < missingKeys.size(); i++) {
                float[] vector = outcome.vectors()[i];
                if (vector != null) {
                    vectors.put(missingKeys.get(i), vector);
                    cache.put(missingKeys.get(i), vector);
                    embeddedTexts++;
                } else if (outcome.rejected().containsKey(i)) {
                    refused.put(missingKeys.get(i), outcome.rejected().get(i));
                }
            }
            unavailable = outcome.transientFailure();
        }
        Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs()).truncatedTo(ChronoUnit.MILLIS);
        int settled = 0;
        int forwarded = 0;
        for (KeyValue<String, MemoryEvent> entry : batch) {
            EmbeddedMemoryEvent.Builder out = EmbeddedMemoryEvent.newBuilder()
                    .setMemory(entry.value).setModel(fingerprint).setEmbeddedAt(now).setEmbedding(null);
            if (entry.value.getOp() == Op.UPSERT) {
                String key = keys.get(entry.key);
                float[] vector = vectors.get(key);
                if (vector == null) {
                    String reason = refused.get(key);
                    if (reason == null) {
                        continue; // not embedded yet: stays waiting for the next try
                    }
                    deadLetter(entry, reason, now);
                    pending.delete(entry.key);
                    settled++;
                    continue;
                }
                out.setEmbedding(asList(vector));
            }
            context.forward(new Record<String, SpecificRecord>(entry.key, out.build(), now.toEpochMilli()), outputNode);
            pending.delete(entry.key);
            settled++;
            forwarded++;
        }
        metrics.batch(forwarded, embeddedTexts);
        metrics.pendingChanged(-settled);
        pendingCount -= settled;
        if (settled > 0 || unavailable == null) {
            outages.reset();
        }
        if (unavailable == null && embeddedTexts > 0) {
            metrics.modelAnswered(); // a stall later is not this failure's
        }
        if (unavailable != null) {
            boolean rateLimited = ModelFailures.classify(unavailable) == ModelFailures.Kind.RATE_LIMITED;
            // The outage backoff grows only while outages follow each other without progress; a rate limit says
            // itself how long to wait, and the pause it set holds every task back (see mayCallModel).
            long pause = rateLimited ? embedder.rateLimitRemaining().toMillis() : outages.next().toMillis();
            if (!rateLimited) {
                retryAtMs = context.currentSystemTimeMs() + pause;
            }
            metrics.modelRetry(ModelFailures.describeWithCause(unavailable));
            LOG.warn("model {} {} ({}); {} memories wait, next try in {} ms, {} request(s) at once", profile.id(),
                    rateLimited ? "is rate limiting" : "is unavailable", ModelFailures.describe(unavailable),
                    pendingCount, pause, embedder.concurrency());
        }
        // What is left of a backlog is due at once: it has waited long enough already.
        oldestPendingAtMs = pendingCount > 0 ? context.currentSystemTimeMs() - maxWait.toMillis() : -1;
    }

    private int batchLimit() {
        return firstBatch ? Math.min(batchSize, FIRST_BATCH_SIZE) : batchSize;
    }

    /**
     * Not while this task backs off from an outage, nor while the provider's Retry-After holds, nor while requests
     * are held back until the provider's per-minute limits allow them (see {@link ResilientEmbedder#rateLimited}).
     */
    private boolean mayCallModel(long nowMs) {
        return nowMs >= retryAtMs && !embedder.rateLimited();
    }

    /** The memory as it came in, on the dead-letter topic, with the model's reason in the headers. */
    private void deadLetter(KeyValue<String, MemoryEvent> entry, String reason, Instant now) {
        RecordHeaders headers = new RecordHeaders();
        Headers.add(headers, Headers.DLQ_REASON, reason);
        Headers.add(headers, Headers.DLQ_MODEL, profile.id());
        context.forward(new Record<String, SpecificRecord>(entry.key, entry.value, now.toEpochMilli(), headers),
                deadLetterNode);
        metrics.countDeadLetter();
        LOG.warn("model {} refused memory {} (version {}); sent to the dead-letter topic: {}", profile.id(), entry.key,
                entry.value.getVersion(), reason);
    }

    private static List<Float> asList(float[] vector) {
        List<Float> list = new ArrayList<>(vector.length);
        for (float v : vector) {
            list.add(v);
        }
        return list;
    }

    @Override
    public void close() {
        // The task moves away (or the app stops): its waiting memories are no longer this instance's.
        metrics.pendingChanged(-pendingCount);
        pendingCount = 0;
    }
}
