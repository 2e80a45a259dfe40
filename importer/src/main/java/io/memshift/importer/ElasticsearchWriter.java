package io.memshift.importer;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.VersionType;
import co.elastic.clients.elasticsearch.core.BulkRequest;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import io.memshift.clients.Backoff;
import io.memshift.schemas.DaemonThreads;
import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.Op;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes events with {@code _bulk}, documents shaped by the index's {@link DocumentLayout}. Each upsert is an index
 * operation with {@code _id} = memory id and {@code version_type=external_gte} with the event's version, so a
 * replay or a duplicate is a no-op and an older version never overwrites a newer one. A delete is a versioned
 * tombstone, or, in a layout without tombstones, a versioned removal plus a record in the {@link DeleteLedger};
 * there, before each bulk, one {@code mget} of the ledger drops the upserts at or below a recorded delete. A batch
 * is cut into bulks of at most {@code maxDocs} documents and {@code maxBytes} bytes, sent {@code maxInFlight} at a
 * time: the events of one batch are distinct memories, so their order does not matter. Items refused with 429/503
 * are sent again, alone, with backoff; a whole request refused or unanswered likewise. Other refusals are returned
 * for the dead-letter topic.
 */
final class ElasticsearchWriter implements AutoCloseable {

    /** What one batch did, and what Elasticsearch refused for good. */
    record Result(BulkOutcome outcome, List<RejectedItem> rejected) {
    }

    private final ElasticsearchClient es;
    private final String index;
    private final DocumentLayout layout;
    /** Null for a layout that keeps tombstones. */
    private final DeleteLedger ledger;
    private final int maxDocs;
    private final long maxBytes;
    private final Backoff retry;
    private final ExecutorService pool;
    private final ImportMetrics metrics;

    ElasticsearchWriter(ElasticsearchClient es, String index, DocumentLayout layout, int maxDocs, long maxBytes,
                        int maxInFlight, Backoff retry, ImportMetrics metrics) {
        this.metrics = metrics;
        this.es = es;
        this.index = index;
        this.layout = layout;
        this.ledger = layout.keepsTombstones() ? null : new DeleteLedger(es, index);
        this.maxDocs = maxDocs;
        this.maxBytes = maxBytes;
        this.retry = retry;
        this.pool = Executors.newFixedThreadPool(maxInFlight, DaemonThreads.named("memshift-bulk-" + index));
    }

    /** Writes every event; returns once each one is settled (written, stale, or refused for good). */
    Result write(List<EmbeddedMemoryEvent> events) {
        List<Future<Result>> bulks = new ArrayList<>();
        for (List<EmbeddedMemoryEvent> chunk : chunks(events)) {
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

    private List<List<EmbeddedMemoryEvent>> chunks(List<EmbeddedMemoryEvent> events) {
        List<List<EmbeddedMemoryEvent>> chunks = new ArrayList<>();
        List<EmbeddedMemoryEvent> current = new ArrayList<>();
        long bytes = 0;
        for (EmbeddedMemoryEvent event : events) {
            long size = estimatedBytes(event);
            if (!current.isEmpty() && (current.size() >= maxDocs || bytes + size > maxBytes)) {
                chunks.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(event);
            bytes += size;
        }
        if (!current.isEmpty()) {
            chunks.add(current);
        }
        return chunks;
    }

    private Result writeChunk(List<EmbeddedMemoryEvent> events) {
        BulkOutcome outcome = BulkOutcome.EMPTY;
        List<RejectedItem> rejected = new ArrayList<>();
        List<EmbeddedMemoryEvent> toSend = events;
        if (ledger != null) {
            toSend = withoutDeleted(events);
            outcome = outcome.plus(new BulkOutcome(0, 0, events.size() - toSend.size(), 0, 0));
        }
        Backoff.Attempts attempts = retry.start();
        while (!toSend.isEmpty()) {
            List<List<BulkOperation>> operations = new ArrayList<>(toSend.size());
            for (EmbeddedMemoryEvent event : toSend) {
                operations.add(operations(event));
            }
            BulkResponse response = send(operations, attempts.deadline());
            List<EmbeddedMemoryEvent> again = new ArrayList<>();
            long indexed = 0, deleted = 0, stale = 0, dead = 0;
            int next = 0;
            for (int i = 0; i < toSend.size(); i++) {
                EmbeddedMemoryEvent event = toSend.get(i);
                // An event is one or more operations (a ledger record, then the removal); the last one, on the
                // index itself, says what became of it, once all of them are settled.
                List<BulkResponseItem> items = response.items().subList(next, next + operations.get(i).size());
                next += items.size();
                BulkResponseItem refused = items.stream().filter(item -> !settled(item)).findFirst().orElse(null);
                int status = items.get(items.size() - 1).status();
                if (refused != null && RetryPolicy.retryableStatus(refused.status())) {
                    again.add(event);
                    metrics.retry(refused.status()).increment();
                } else if (refused != null) {
                    String reason = refused.error() == null ? "status " + refused.status()
                            : refused.error().type() + ": " + refused.error().reason();
                    rejected.add(new RejectedItem(event, refused.status(), reason));
                    dead++;
                } else if (status == 409) {
                    stale++;
                } else if (event.getMemory().getOp() == Op.DELETE) {
                    deleted++;
                } else {
                    indexed++;
                }
            }
            outcome = outcome.plus(new BulkOutcome(indexed, deleted, stale, again.size(), dead));
            if (!again.isEmpty() && !RetryPolicy.sleep(attempts)) {
                throw new ImportException(again.size() + " memories still refused with 429/503 by " + index
                        + " after retrying for " + retry.budget().toSeconds() + " s (first id="
                        + again.get(0).getMemory().getId() + ")");
            }
            toSend = again;
        }
        return new Result(outcome, rejected);
    }

    /**
     * Drops the upserts of memories the ledger records as deleted at or above their version: Elasticsearch itself
     * may have forgotten the removal by now ({@code index.gc_deletes}).
     */
    private List<EmbeddedMemoryEvent> withoutDeleted(List<EmbeddedMemoryEvent> events) {
        List<String> upserts = events.stream().filter(e -> e.getMemory().getOp() != Op.DELETE)
                .map(e -> e.getMemory().getId()).toList();
        Map<String, Long> deleted = ledger.versions(upserts);
        if (deleted.isEmpty()) {
            return events;
        }
        return events.stream().filter(e -> e.getMemory().getOp() == Op.DELETE
                || deleted.getOrDefault(e.getMemory().getId(), Long.MIN_VALUE) < e.getMemory().getVersion()).toList();
    }

    /** The bulk operations of one event; the last one is on the index itself. */
    private List<BulkOperation> operations(EmbeddedMemoryEvent event) {
        String id = event.getMemory().getId();
        long version = event.getMemory().getVersion();
        if (event.getMemory().getOp() != Op.DELETE) {
            Object document = layout.document(event);
            return List.of(BulkOperation.of(op -> op.index(ix -> ix.index(index).id(id)
                    .version(version).versionType(VersionType.ExternalGte).document(document))));
        }
        if (layout.keepsTombstones()) {
            Object tombstone = layout.tombstone(event.getMemory());
            return List.of(BulkOperation.of(op -> op.index(ix -> ix.index(index).id(id)
                    .version(version).versionType(VersionType.ExternalGte).document(tombstone))));
        }
        // Recorded first in the bulk; both are settled before the offsets commit, and a retry repeats both.
        return List.of(ledger.record(event.getMemory()), BulkOperation.of(op -> op.delete(d -> d.index(index).id(id)
                .version(version).versionType(VersionType.ExternalGte))));
    }

    /**
     * Whether an item is settled: written, or a no-op because a newer version is there (409), or a removal of
     * what was not there (404: the version is noted all the same).
     */
    private static boolean settled(BulkResponseItem item) {
        int status = item.status();
        return status / 100 == 2 || status == 409 || status == 404 && item.error() == null;
    }

    /** A cheap upper estimate of a document's JSON size, for cutting bulks by bytes without encoding twice. */
    static long estimatedBytes(EmbeddedMemoryEvent event) {
        var memory = event.getMemory();
        long size = 400 + 2L * memory.getId().length();
        size += memory.getText() == null ? 0 : 2L * memory.getText().length();
        size += memory.getMetadata() == null ? 0 : memory.getMetadata().length();
        size += memory.getPayload() == null ? 0 : memory.getPayload().length();
        size += event.getEmbedding() == null ? 0 : 16L * event.getEmbedding().size();
        return size;
    }

    private BulkResponse send(List<List<BulkOperation>> perEvent, Instant deadline) {
        List<BulkOperation> operations = new ArrayList<>();
        perEvent.forEach(operations::addAll);
        int events = perEvent.size();
        BulkRequest request = BulkRequest.of(b -> b.operations(operations));
        // A backoff of its own, from the first wait again, within the budget of the whole chunk.
        Backoff.Attempts attempts = retry.start(deadline);
        while (true) {
            long start = System.nanoTime();
            try {
                BulkResponse response = es.bulk(request);
                metrics.bulk(events, System.nanoTime() - start, true);
                return response;
            } catch (Exception e) {
                metrics.bulk(events, System.nanoTime() - start, false);
                int status = RetryPolicy.statusOf(e);
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

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
