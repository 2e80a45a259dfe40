package io.memshift.importer;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.VersionType;
import co.elastic.clients.elasticsearch.core.BulkRequest;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import io.memshift.clients.Backoff;
import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.Op;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes events with {@code _bulk}. Each event is an index operation with {@code _id} = memory id and
 * {@code version_type=external_gte} with the event's version, so a replay or a duplicate is a no-op and an older
 * version never overwrites a newer one. A batch is cut into bulks of at most {@code maxDocs} documents and
 * {@code maxBytes} bytes, sent {@code maxInFlight} at a time: the events of one batch are distinct memories, so
 * their order does not matter. Items refused with 429/503 are sent again, alone, with backoff; a whole request
 * refused or unanswered likewise. Other refusals are returned for the dead-letter topic.
 */
final class ElasticsearchWriter implements AutoCloseable {

    /** What one batch did, and what Elasticsearch refused for good. */
    record Result(BulkOutcome outcome, List<RejectedItem> rejected) {
    }

    private final ElasticsearchClient es;
    private final String index;
    private final int maxDocs;
    private final long maxBytes;
    private final Backoff retry;
    private final ExecutorService pool;
    private final ImportMetrics metrics;

    ElasticsearchWriter(ElasticsearchClient es, String index, int maxDocs, long maxBytes, int maxInFlight,
                        Backoff retry, ImportMetrics metrics) {
        this.metrics = metrics;
        this.es = es;
        this.index = index;
        this.maxDocs = maxDocs;
        this.maxBytes = maxBytes;
        this.retry = retry;
        this.pool = Executors.newFixedThreadPool(maxInFlight, r -> {
            Thread thread = new Thread(r, "memshift-bulk-" + index);
            thread.setDaemon(true);
            return thread;
        });
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
            long size = DocumentConverter.estimatedBytes(event);
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
        Backoff.Attempts attempts = retry.start();
        while (!toSend.isEmpty()) {
            BulkResponse response = send(toSend, attempts.deadline());
            List<EmbeddedMemoryEvent> again = new ArrayList<>();
            long indexed = 0, tombstoned = 0, stale = 0, dead = 0;
            for (int i = 0; i < response.items().size(); i++) {
                BulkResponseItem item = response.items().get(i);
                EmbeddedMemoryEvent event = toSend.get(i);
                int status = item.status();
                if (status / 100 == 2) {
                    if (event.getMemory().getOp() == Op.DELETE) {
                        tombstoned++;
                    } else {
                        indexed++;
                    }
                } else if (status == 409) {
                    stale++;
                } else if (RetryPolicy.retryableStatus(status)) {
                    again.add(event);
                    metrics.retry(status).increment();
                } else {
                    String reason = item.error() == null ? "status " + status
                            : item.error().type() + ": " + item.error().reason();
                    rejected.add(new RejectedItem(event, status, reason));
                    dead++;
                }
            }
            outcome = outcome.plus(new BulkOutcome(indexed, tombstoned, stale, again.size(), dead));
            if (!again.isEmpty() && !RetryPolicy.sleep(attempts)) {
                throw new ImportException(again.size() + " memories still refused with 429/503 by " + index
                        + " after retrying for " + retry.budget().toSeconds() + " s (first id="
                        + again.get(0).getMemory().getId() + ")");
            }
            toSend = again;
        }
        return new Result(outcome, rejected);
    }

    private BulkResponse send(List<EmbeddedMemoryEvent> events, Instant deadline) {
        List<BulkOperation> operations = new ArrayList<>(events.size());
        for (EmbeddedMemoryEvent event : events) {
            String id = event.getMemory().getId();
            long version = event.getMemory().getVersion();
            Object document = DocumentConverter.toDocument(event);
            operations.add(BulkOperation.of(op -> op.index(ix -> ix.index(index).id(id)
                    .version(version).versionType(VersionType.ExternalGte).document(document))));
        }
        BulkRequest request = BulkRequest.of(b -> b.operations(operations));
        // A backoff of its own, from the first wait again, within the budget of the whole chunk.
        Backoff.Attempts attempts = retry.start(deadline);
        while (true) {
            long start = System.nanoTime();
            try {
                BulkResponse response = es.bulk(request);
                metrics.bulk(events.size(), System.nanoTime() - start, true);
                return response;
            } catch (Exception e) {
                metrics.bulk(events.size(), System.nanoTime() - start, false);
                int status = RetryPolicy.statusOf(e);
                boolean retryable = status < 0 || RetryPolicy.retryableStatus(status);
                if (!retryable) {
                    throw new ImportException("Elasticsearch refused a bulk of " + events.size() + " memories for "
                            + index + " (status " + status + "): " + e.getMessage(), e);
                }
                if (!RetryPolicy.sleep(attempts)) {
                    throw new ImportException("Elasticsearch did not take a bulk of " + events.size()
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
