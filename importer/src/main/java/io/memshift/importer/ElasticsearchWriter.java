package io.memshift.importer;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.json.JsonpMapper;
import io.memshift.clients.Backoff;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.schemas.DaemonThreads;
import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.Op;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.http.entity.ByteArrayEntity;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.RequestOptions;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.RestClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes events with {@code _bulk}, documents shaped by the index's {@link DocumentLayout}. Each upsert is an index
 * operation with {@code _id} = memory id and {@code version_type=external_gte} with the event's version, so a
 * replay or a duplicate is a no-op and an older version never overwrites a newer one. A delete is a versioned
 * tombstone, or, in a layout without tombstones, a versioned removal plus a record in the {@link DeleteLedger};
 * there, before each bulk, one {@code mget} of the ledger drops the upserts at or below a recorded delete. A batch
 * is cut into bulks of at most {@code maxDocs} documents and {@code maxBytes} bytes, sent {@code maxInFlight} at a
 * time: the events of one batch are distinct memories, so their order does not matter. Items refused with 429/503
 * are sent again, alone, with backoff; a whole request refused or unanswered likewise. Other refusals are returned
 * for the dead-letter topic. Bodies are encoded as configured ({@link BulkEncoding}: JSON, or SMILE on request). In
 * SMILE, documents whose source JSON SMILE would not give back byte for byte go in JSON bulks of their own, and a
 * cluster that refuses SMILE (406, 415) gets that bulk and every later one in JSON.
 */
final class ElasticsearchWriter implements AutoCloseable {

    /** What one batch did, and what Elasticsearch refused for good. */
    record Result(BulkOutcome outcome, List<RejectedItem> rejected) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(ElasticsearchWriter.class);
    /** The answer is read as JSON whatever the body's encoding: the client's parser reads it. */
    private static final RequestOptions ANSWER_IN_JSON = RequestOptions.DEFAULT.toBuilder()
            .addHeader("Accept", "application/json").build();

    private final RestClient rest;
    private final JsonpMapper answers;
    private final String index;
    private final DocumentLayout layout;
    /** Null for a layout that keeps tombstones. */
    private final DeleteLedger ledger;
    private final int maxDocs;
    private final long maxBytes;
    private final Backoff retry;
    private final ExecutorService pool;
    private final ImportMetrics metrics;
    /** As configured, until the cluster refuses SMILE; then JSON, for every bulk after. */
    private volatile BulkEncoding encoding;

    ElasticsearchWriter(ElasticsearchClient es, String index, DocumentLayout layout, BulkEncoding encoding,
                        int maxDocs, long maxBytes, int maxInFlight, Backoff retry, ImportMetrics metrics) {
        this.metrics = metrics;
        this.rest = ElasticsearchClients.lowLevel(es);
        this.answers = es._jsonpMapper();
        this.encoding = encoding;
        this.index = index;
        this.layout = layout;
        this.ledger = layout.keepsTombstones() ? null : new DeleteLedger(es, index);
        this.maxDocs = maxDocs;
        this.maxBytes = maxBytes;
        this.retry = retry;
        this.pool = Executors.newFixedThreadPool(maxInFlight, DaemonThreads.named("memshift-bulk-" + index));
    }

    /** An event and its bulk operations, the last one on the index itself. */
    private record Pending(EmbeddedMemoryEvent event, List<BulkAction> actions) {
        String id() {
            return event.getMemory().getId();
        }

        boolean isDelete() {
            return event.getMemory().getOp() == Op.DELETE;
        }
    }

    /** Events to send in one bulk, in SMILE if {@code binary} (and the cluster takes it), else in JSON. */
    private record Chunk(List<Pending> pending, boolean binary) {
    }

    /** Writes every event; returns once each one is settled (written, stale, or refused for good). */
    Result write(List<EmbeddedMemoryEvent> events) {
        List<Future<Result>> bulks = new ArrayList<>();
        for (Chunk chunk : chunks(events)) {
            bulks.add(pool.submit(() -> writeChunk(chunk)));
        }
        BulkOutcome outcome = BulkOutcome.EMPTY;
        List<RejectedItem> rejected = new ArrayList<>();
        RuntimeException failure = null;
        for (Future<Result> bulk : bulks) {
            try {
                Result result = bulk.get();
                outcome = outcome.plus(result.outcome());
                rejected.addAll(result.rejected());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ImportException("interrupted while writing to " + index, e);
            } catch (ExecutionException e) {
                // Wait for the other bulks before failing, so none is still writing when offsets are reconsidered.
                failure = e.getCause() instanceof RuntimeException r ? r : new ImportException(e.getMessage(), e);
            }
        }
        if (failure != null) {
            throw failure;
        }
        return new Result(outcome, rejected);
    }

    /**
     * The events cut into bulks of at most {@code maxDocs} and {@code maxBytes}. With SMILE, the few documents it
     * would not keep byte for byte ({@link BulkAction#exactInBinary()}) go in bulks of their own, in JSON.
     */
    private List<Chunk> chunks(List<EmbeddedMemoryEvent> events) {
        BulkEncoding preferred = encoding;
        ChunkCutter binary = new ChunkCutter(true);
        ChunkCutter text = new ChunkCutter(false);
        for (EmbeddedMemoryEvent event : events) {
            Pending pending = new Pending(event, operations(event));
            boolean exact = preferred == BulkEncoding.SMILE
                    && pending.actions().stream().allMatch(BulkAction::exactInBinary);
            (exact ? binary : text).add(pending);
        }
        List<Chunk> chunks = binary.done();
        chunks.addAll(text.done());
        return chunks;
    }

    /**
     * Cuts pending events of one encoding into chunks, by their size as JSON whatever the encoding: Elasticsearch's
     * work on a bulk (parsing each value, adding each vector to the graph) follows the values it holds, not its
     * bytes. Measured (1536-d, 2 at once): SMILE bulks of 500 documents (4 MB) took 924-932 documents/s, of 200 (5 MB
     * as JSON, as the JSON bulks are cut) 1,292-1,369.
     */
    private final class ChunkCutter {
        private final boolean binary;
        private final List<Chunk> chunks = new ArrayList<>();
        private List<Pending> current = new ArrayList<>();
        private long bytes;

        ChunkCutter(boolean binary) {
            this.binary = binary;
        }

        void add(Pending pending) {
            long size = estimatedBytes(pending.event());
            if (!current.isEmpty() && (current.size() >= maxDocs || bytes + size > maxBytes)) {
                chunks.add(new Chunk(current, binary));
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(pending);
            bytes += size;
        }

        List<Chunk> done() {
            if (!current.isEmpty()) {
                chunks.add(new Chunk(current, binary));
            }
            return chunks;
        }
    }

    private Result writeChunk(Chunk chunk) {
        BulkOutcome outcome = BulkOutcome.EMPTY;
        List<RejectedItem> rejected = new ArrayList<>();
        List<Pending> toSend = chunk.pending();
        if (ledger != null) {
            toSend = withoutDeleted(toSend);
            outcome = outcome.plus(new BulkOutcome(0, 0, chunk.pending().size() - toSend.size(), 0, 0));
        }
        Backoff.Attempts attempts = retry.start();
        while (!toSend.isEmpty()) {
            BulkResponse response = send(toSend, chunk.binary(), attempts.deadline());
            List<Pending> again = new ArrayList<>();
            long indexed = 0, deleted = 0, stale = 0, dead = 0;
            int next = 0;
            for (Pending pending : toSend) {
                // An event is one or more operations (a ledger record, then the removal); the last one, on the
                // index itself, says what became of it, once all of them are settled.
                List<BulkResponseItem> items = response.items().subList(next, next + pending.actions().size());
                next += items.size();
                BulkResponseItem refused = items.stream().filter(item -> !settled(item)).findFirst().orElse(null);
                int status = items.get(items.size() - 1).status();
                if (refused != null && RetryPolicy.retryableStatus(refused.status())) {
                    again.add(pending);
                    metrics.retry(refused.status()).increment();
                } else if (refused != null) {
                    String reason = refused.error() == null ? "status " + refused.status()
                            : refused.error().type() + ": " + refused.error().reason();
                    rejected.add(new RejectedItem(pending.event(), refused.status(), reason));
                    dead++;
                } else if (status == 409) {
                    stale++;
                } else if (pending.isDelete()) {
                    deleted++;
                } else {
                    indexed++;
                }
            }
            outcome = outcome.plus(new BulkOutcome(indexed, deleted, stale, again.size(), dead));
            if (!again.isEmpty() && !RetryPolicy.sleep(attempts)) {
                throw new ImportException(again.size() + " memories still refused with 429/503 by " + index
                        + " after retrying for " + retry.budget().toSeconds() + " s (first id="
                        + again.get(0).id() + ")");
            }
            toSend = again;
        }
        return new Result(outcome, rejected);
    }

    /**
     * Drops the upserts of memories the ledger records as deleted at or above their version: Elasticsearch itself
     * may have forgotten the removal by now ({@code index.gc_deletes}).
     */
    private List<Pending> withoutDeleted(List<Pending> pending) {
        List<String> upserts = pending.stream().filter(p -> !p.isDelete()).map(Pending::id).toList();
        Map<String, Long> deleted = ledger.versions(upserts);
        if (deleted.isEmpty()) {
            return pending;
        }
        return pending.stream().filter(p -> p.isDelete()
                || deleted.getOrDefault(p.id(), Long.MIN_VALUE) < p.event().getMemory().getVersion()).toList();
    }

    /** The bulk operations of one event; the last one is on the index itself. */
    private List<BulkAction> operations(EmbeddedMemoryEvent event) {
        String id = event.getMemory().getId();
        long version = event.getMemory().getVersion();
        if (event.getMemory().getOp() != Op.DELETE) {
            return List.of(BulkAction.write(index, id, version, layout.document(event)));
        }
        if (layout.keepsTombstones()) {
            return List.of(BulkAction.write(index, id, version, layout.tombstone(event.getMemory())));
        }
        // Recorded first in the bulk; both are settled before the offsets commit, and a retry repeats both.
        return List.of(ledger.record(event.getMemory()), BulkAction.remove(index, id, version));
    }

    /**
     * Whether an item is settled: written, or a no-op because a newer version is there (409), or a removal of
     * what was not there (404: the version is noted all the same).
     */
    private static boolean settled(BulkResponseItem item) {
        int status = item.status();
        return status / 100 == 2 || status == 409 || status == 404 && item.error() == null;
    }

    /** A cheap upper estimate of a document's size as JSON, for cutting bulks without encoding twice. */
    static long estimatedBytes(EmbeddedMemoryEvent event) {
        var memory = event.getMemory();
        long size = 400 + 2L * memory.getId().length();
        size += memory.getText() == null ? 0 : 2L * memory.getText().length();
        size += memory.getMetadata() == null ? 0 : memory.getMetadata().length();
        size += memory.getPayload() == null ? 0 : memory.getPayload().length();
        size += event.getEmbedding() == null ? 0 : 16L * event.getEmbedding().size();
        return size;
    }

    private BulkResponse send(List<Pending> pending, boolean binary, Instant deadline) {
        List<BulkAction> actions = new ArrayList<>();
        pending.forEach(p -> actions.addAll(p.actions()));
        int events = pending.size();
        // A backoff of its own, from the first wait again, within the budget of the whole chunk.
        Backoff.Attempts attempts = retry.start(deadline);
        BulkEncoding encodedAs = null;
        byte[] body = null;
        while (true) {
            BulkEncoding current = binary ? encoding : BulkEncoding.JSON;
            if (current != encodedAs) {
                body = encode(current, actions, pending.get(0).id());
                encodedAs = current;
            }
            long start = System.nanoTime();
            try {
                BulkResponse response = post(body, current);
                metrics.bulk(events, System.nanoTime() - start, true);
                return response;
            } catch (Exception e) {
                metrics.bulk(events, System.nanoTime() - start, false);
                int status = RetryPolicy.statusOf(e);
                if (current == BulkEncoding.SMILE && (status == 406 || status == 415)) {
                    // A cluster (or a proxy before it) that does not take SMILE: JSON, now and from here on.
                    LOG.warn("Elasticsearch refused a SMILE bulk for {} (status {}); sending JSON from now on",
                            index, status);
                    encoding = BulkEncoding.JSON;
                    continue;
                }
                boolean retryable = status < 0 || RetryPolicy.retryableStatus(status);
                if (!retryable) {
                    throw new ImportException("Elasticsearch refused a bulk of " + events + " memories for "
                            + index + " (status " + status + "): " + e.getMessage(), e);
                }
                if (!RetryPolicy.sleep(attempts)) {
                    throw new ImportException("Elasticsearch did not take a bulk of " + events
                            + " memories for " + index + " within " + retry.budget().toSeconds() + " s: "
                            + (status < 0 ? e.getMessage() : "status " + status), e);
                }
                // The wait is over: the bulk goes again.
                metrics.retry(status).increment();
            }
        }
    }

    /** The body; a document that cannot be encoded fails the bulk, saying why and where. */
    private byte[] encode(BulkEncoding as, List<BulkAction> actions, String firstId) {
        try {
            return as.encode(actions);
        } catch (RuntimeException e) {
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            throw new ImportException("cannot encode a bulk of " + actions.size() + " operations for " + index
                    + " (first memory id " + firstId + "): " + cause.getMessage(), e);
        }
    }

    /** One {@code _bulk} request; a status other than 2xx throws (the low-level client's ResponseException). */
    private BulkResponse post(byte[] body, BulkEncoding encodedAs) throws IOException {
        Request request = new Request("POST", "/_bulk");
        request.setEntity(new ByteArrayEntity(body, encodedAs.contentType()));
        request.setOptions(ANSWER_IN_JSON);
        Response response = rest.performRequest(request);
        try (InputStream answer = response.getEntity().getContent()) {
            return BulkResponse._DESERIALIZER.deserialize(answers.jsonProvider().createParser(answer), answers);
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
