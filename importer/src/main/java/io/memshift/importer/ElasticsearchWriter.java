package io.memshift.importer;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.VersionType;
import co.elastic.clients.elasticsearch.core.BulkRequest;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.Op;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes events with {@code _bulk}, each as an index operation with {@code _id} = memory id and
 * {@code version_type=external_gte} with the event's version. So a replay or a duplicate is a no-op, and an older
 * version can never overwrite a newer one. Items refused with 429/503 (ES is overloaded) are sent again, alone,
 * with exponential backoff; the batch as a whole succeeds only when every item is settled.
 */
final class ElasticsearchWriter {

    private static final int MAX_ATTEMPTS = 8;

    private final ElasticsearchClient es;
    private final String index;
    private final Duration firstBackoff;

    ElasticsearchWriter(ElasticsearchClient es, String index, Duration firstBackoff) {
        this.es = es;
        this.index = index;
        this.firstBackoff = firstBackoff;
    }

    BulkOutcome write(List<EmbeddedMemoryEvent> events) {
        BulkOutcome outcome = BulkOutcome.EMPTY;
        List<EmbeddedMemoryEvent> toSend = events;
        Duration backoff = firstBackoff;
        for (int attempt = 1; !toSend.isEmpty(); attempt++) {
            BulkResponse response = send(toSend);
            List<EmbeddedMemoryEvent> again = new ArrayList<>();
            long indexed = 0, tombstoned = 0, stale = 0;
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
                } else if (status == 429 || status == 503) {
                    again.add(event);
                } else {
                    String reason = item.error() == null ? "status " + status
                            : item.error().type() + ": " + item.error().reason();
                    throw new ImportException("Elasticsearch refused memory id=" + event.getMemory().getId()
                            + " (version " + event.getMemory().getVersion() + ") in index " + index + ": " + reason);
                }
            }
            outcome = outcome.plus(new BulkOutcome(indexed, tombstoned, stale, again.size()));
            if (!again.isEmpty()) {
                if (attempt >= MAX_ATTEMPTS) {
                    throw new ImportException(again.size() + " memories still refused with 429/503 after "
                            + attempt + " attempts (first id=" + again.get(0).getMemory().getId() + ")");
                }
                sleep(backoff);
                backoff = backoff.multipliedBy(2);
            }
            toSend = again;
        }
        return outcome;
    }

    private BulkResponse send(List<EmbeddedMemoryEvent> events) {
        List<BulkOperation> operations = new ArrayList<>(events.size());
        for (EmbeddedMemoryEvent event : events) {
            String id = event.getMemory().getId();
            long version = event.getMemory().getVersion();
            Object document = DocumentConverter.toDocument(event);
            operations.add(BulkOperation.of(op -> op.index(ix -> ix.index(index).id(id)
                    .version(version).versionType(VersionType.ExternalGte).document(document))));
        }
        Duration backoff = firstBackoff;
        for (int tries = 1; ; tries++) {
            try {
                return es.bulk(BulkRequest.of(b -> b.operations(operations)));
            } catch (IOException e) {
                if (tries >= MAX_ATTEMPTS) {
                    throw new ImportException("cannot reach Elasticsearch to write " + events.size()
                            + " memories to " + index + " after " + tries + " tries: " + e.getMessage(), e);
                }
                sleep(backoff);
                backoff = backoff.multipliedBy(2);
            }
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImportException("interrupted while backing off", e);
        }
    }
}
