package io.memshift.reembedder;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import io.memshift.schemas.EmbeddedMemoryEvent;
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
final class BatchingEmbedProcessor implements Processor<String, MemoryEvent, String, EmbeddedMemoryEvent> {

    private static final Logger LOG = LoggerFactory.getLogger(BatchingEmbedProcessor.class);

    private final String storeName;
    private final String cacheStoreName;
    private final EmbeddingModel model;
    private final ModelProfile profile;
    private final int batchSize;
    private final Duration maxWait;
    private final ReembedMetrics metrics;

    private ProcessorContext<String, EmbeddedMemoryEvent> context;
    private KeyValueStore<String, MemoryEvent> pending;
    private EmbeddingCache cache;
    private ModelFingerprint fingerprint;
    private long pendingCount;
    private long oldestPendingAtMs = -1;
    /** While the model is unavailable: no call before this time; batches wait in the store meanwhile. */
    private long retryAtMs;
    private int consecutiveFailures;

    BatchingEmbedProcessor(String storeName, String cacheStoreName, EmbeddingModel model, ModelProfile profile,
                           int batchSize, Duration maxWait, ReembedMetrics metrics) {
        this.storeName = storeName;
        this.cacheStoreName = cacheStoreName;
        this.model = model;
        this.profile = profile;
        this.batchSize = batchSize;
        this.maxWait = maxWait;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, EmbeddedMemoryEvent> context) {
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
            if (pendingCount > 0 && now - oldestPendingAtMs >= maxWait.toMillis() && now >= retryAtMs) {
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
        if (pendingCount >= batchSize && context.currentSystemTimeMs() >= retryAtMs) {
            flush();
        }
    }

    /**
     * Embeds and forwards up to one batch of the memories waiting. If the model is unavailable for now (rate
     * limited, 5xx, timeout, unreachable), nothing is forwarded or removed: the batch stays in the store and is
     * tried again after a growing pause (1 s doubling to 60 s), while the stage keeps committing and stays in its
     * group. A provider down for minutes thus stalls the stage without losing or duplicating anything.
     */
    private void flush() {
        List<KeyValue<String, MemoryEvent>> batch = new ArrayList<>();
        try (KeyValueIterator<String, MemoryEvent> all = pending.all()) {
            // At most one batch per call, so a backlog (after an outage) never becomes one huge model call.
            while (all.hasNext() && batch.size() < batchSize) {
                batch.add(all.next());
            }
        }
        // Each upsert's vector: from the cache when this model already embedded that exact text, otherwise from
        // one embedAll call over the distinct texts still missing.
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
        if (!missing.isEmpty()) {
            List<TextSegment> inputs = new ArrayList<>(missing.size());
            missing.values().forEach(text -> inputs.add(TextSegment.from(text)));
            List<Embedding> embedded;
            try {
                embedded = embed(inputs);
            } catch (RuntimeException e) {
                if (!ModelFailures.isTransient(e)) {
                    throw e;
                }
                consecutiveFailures++;
                long pause = Math.min(60_000L, 1000L << Math.min(6, consecutiveFailures - 1));
                retryAtMs = context.currentSystemTimeMs() + pause;
                metrics.modelRetry();
                LOG.warn("model {} unavailable ({}); {} memories wait, next try in {} ms", profile.id(),
                        ModelFailures.describe(e), pendingCount, pause);
                return;
            }
            consecutiveFailures = 0;
            int i = 0;
            for (String key : missing.keySet()) {
                float[] vector = embedded.get(i++).vector();
                vectors.put(key, vector);
                cache.put(key, vector);
            }
        }
        Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs()).truncatedTo(ChronoUnit.MILLIS);
        for (KeyValue<String, MemoryEvent> entry : batch) {
            EmbeddedMemoryEvent.Builder out = EmbeddedMemoryEvent.newBuilder()
                    .setMemory(entry.value).setModel(fingerprint).setEmbeddedAt(now).setEmbedding(null);
            if (entry.value.getOp() == Op.UPSERT) {
                out.setEmbedding(asList(vectors.get(keys.get(entry.key))));
            }
            context.forward(new Record<>(entry.key, out.build(), now.toEpochMilli()));
            pending.delete(entry.key);
        }
        metrics.batch(batch.size(), missing.size());
        metrics.pendingChanged(-batch.size());
        pendingCount -= batch.size();
        // What is left of a backlog is due at once: it has waited long enough already.
        oldestPendingAtMs = pendingCount > 0 ? context.currentSystemTimeMs() - maxWait.toMillis() : -1;
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

    private List<Embedding> embed(List<TextSegment> inputs) {
        long start = System.nanoTime();
        List<Embedding> vectors = model.embedAll(inputs).content();
        metrics.modelCall(inputs.size(), System.nanoTime() - start);
        if (vectors.size() != inputs.size()) {
            throw new IllegalStateException("model " + profile.id() + " returned " + vectors.size()
                    + " vectors for " + inputs.size() + " texts");
        }
        for (Embedding vector : vectors) {
            if (vector.dimension() != profile.dims()) {
                throw new IllegalStateException("model " + profile.id() + " returned a " + vector.dimension()
                        + "-d vector; its profile says " + profile.dims());
            }
        }
        return vectors;
    }
}
