package io.memshift.cli;

import io.memshift.importer.BulkEncoding;
import io.memshift.schemas.DaemonThreads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.http.entity.ByteArrayEntity;
import org.apache.http.util.EntityUtils;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.RequestOptions;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.RestClient;

/**
 * Elasticsearch's own ingest, the baseline the benches hold memshift's importer against: documents are encoded into
 * {@code _bulk} bodies first (in one {@link BulkEncoding}), then sent some at once, and only the sending is timed,
 * so that what is measured is Elasticsearch and not our encoding. Plain {@code index} operations, without the
 * importer's versions.
 */
final class RawBulk {

    private static final RequestOptions ANSWER_IN_JSON = RequestOptions.DEFAULT.toBuilder()
            .addHeader("Accept", "application/json").build();

    private final int docsPerBulk;
    private final BulkEncoding encoding;
    private final List<byte[]> bodies = new ArrayList<>();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private int inBody;
    private int documents;

    RawBulk(int docsPerBulk, BulkEncoding encoding) {
        this.docsPerBulk = docsPerBulk;
        this.encoding = encoding;
    }

    /** Encodes one document (anything Jackson writes) under its id; nothing is sent yet. */
    void add(String id, Object document) {
        try {
            encoding.writeLine(body, Map.of("index", Map.of("_id", id)));
            encoding.writeLine(body, document);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode document " + id, e);
        }
        documents++;
        if (++inBody == docsPerBulk) {
            endBody();
        }
    }

    /** The documents encoded since the last body make a body of their own. */
    private void endBody() {
        if (inBody > 0) {
            bodies.add(body.toByteArray());
            body.reset();
            inBody = 0;
        }
    }

    /** Documents encoded since the last {@link #clear()}. */
    int documents() {
        return documents;
    }

    /** Forgets the documents encoded so far. */
    void clear() {
        bodies.clear();
        body.reset();
        inBody = 0;
        documents = 0;
    }

    /**
     * Sends every document encoded since the last {@link #clear()} to {@code index}, {@code concurrency} bulks at once;
     * they can be sent again (to another index, at another concurrency).
     *
     * @return the seconds the sending took
     * @throws IllegalStateException if Elasticsearch refused a document
     */
    double send(RestClient rest, String index, int concurrency) {
        endBody();
        ExecutorService senders = Executors.newFixedThreadPool(concurrency, DaemonThreads.named("memshift-raw-bulk"));
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < concurrency; t++) {
                running.add(senders.submit(() -> {
                    for (int b = next.getAndIncrement(); b < bodies.size(); b = next.getAndIncrement()) {
                        // Only whether anything failed comes back: the bench measures Elasticsearch, not our parsing.
                        Request request = new Request("POST", "/" + index + "/_bulk");
                        request.addParameter("filter_path", "errors");
                        request.setEntity(new ByteArrayEntity(bodies.get(b), encoding.contentType()));
                        request.setOptions(ANSWER_IN_JSON);
                        Response response = rest.performRequest(request);
                        String answer = EntityUtils.toString(response.getEntity());
                        if (answer.contains("true")) {
                            throw new IllegalStateException("Elasticsearch refused documents of a bulk to " + index
                                    + "; the bench's baseline would not be comparable");
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> sender : running) {
                sender.get();
            }
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending bulks to " + index, e);
        } finally {
            senders.shutdownNow();
        }
        return (System.nanoTime() - start) / 1e9;
    }
}
