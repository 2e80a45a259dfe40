package io.memshift.importer;

import static org.assertj.core.api.Assertions.assertThat;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.http.entity.ByteArrayEntity;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.RequestOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * SMILE bulks on the real Elasticsearch: vectors arrive as the model's very floats, a source's JSON comes back byte
 * for byte (SMILE where Elasticsearch gives the same bytes back, JSON where it would not), and a cluster that
 * refuses SMILE gets JSON.
 */
@ExtendWith(EmbeddedStackExtension.class)
class BulkEncodingTest {

    /** Payloads as sources write them; which of them SMILE keeps byte for byte is asserted below. */
    private static final Map<String, Boolean> PAYLOADS = new LinkedHashMap<>();

    static {
        PAYLOADS.put("{\"data\":\"Prefers window seats\",\"user_id\":\"alice\",\"n\":1.50,\"k\":[1,-2,3,null],\"ok\":true}", true);
        PAYLOADS.put("{\"data\":\"Café in Zürich, 東京\",\"hash\":\"9f\",\"nested\":{\"a\":{\"b\":[]},\"c\":{}}}", true);
        PAYLOADS.put("{\"data\":\"Said \\\"hi\\\"\\nthen left\\\\\",\"big\":9007199254740993}", true);
        PAYLOADS.put("{\"data\":\"x\",\"tiny\":0.000001,\"neg\":-12.25}", true);
        PAYLOADS.put("{\"data\":\"exponent\",\"n\":1e2}", false);
        PAYLOADS.put("{\"data\":\"small\",\"n\":0.0000001}", false);
        PAYLOADS.put("{\"data\":\"escaped \\u00e9\"}", false);
        PAYLOADS.put("{\"data\":\"an emoji 😀\"}", false);
        PAYLOADS.put("{\"data\": \"spaced\", \"user_id\": \"bob\"}", false);
        PAYLOADS.put("{\"data\":\"slash \\/ escaped\"}", false);
        PAYLOADS.put("{\"data\":\"minus zero\",\"z\":-0}", false);
    }

    private static final float[] VECTOR = {0.1f, -0.33333334f, 1.0E-7f, 123456.79f};

    @Test
    void tellsWhichSourceJsonSmileKeepsByteForByte() {
        PAYLOADS.forEach((payload, survives) ->
                assertThat(new VerbatimJson(payload).survivesBinary()).as(payload).isEqualTo(survives));
        assertThat(new VerbatimJson("{\"data\":\"two\",\n\"lines\":1}").survivesBinary()).isFalse();
        // Several values, or none: SMILE would carry the first only, or nothing.
        assertThat(new VerbatimJson("{\"a\":1} {\"b\":2}").survivesBinary()).isFalse();
        assertThat(new VerbatimJson("").survivesBinary()).isFalse();
    }

    @Test
    void whatSmileIsTrustedWithComesBackByteForByteFromElasticsearch(StackEndpoints stack) throws Exception {
        String index = "bulk-encoding-direct-" + System.currentTimeMillis();
        try (ElasticsearchClient es = ElasticsearchClients.connect(stack.elasticsearchUrl())) {
            new IndexLifecycle(es).ensureIndex(index, DocumentLayout.MEM0, IndexMapping.forDims(VECTOR.length), "t");
            // Every payload sent in SMILE regardless, to hold the prediction against Elasticsearch's own writer.
            List<BulkAction> actions = new ArrayList<>();
            List<String> payloads = new ArrayList<>(PAYLOADS.keySet());
            for (int i = 0; i < payloads.size(); i++) {
                actions.add(BulkAction.write(index, "d-" + i, 1, DocumentLayout.MEM0.document(event(i, payloads.get(i)))));
            }
            Request bulk = new Request("POST", "/_bulk");
            bulk.addParameter("refresh", "true");
            bulk.setEntity(new ByteArrayEntity(BulkEncoding.SMILE.encode(actions), BulkEncoding.SMILE.contentType()));
            bulk.setOptions(RequestOptions.DEFAULT.toBuilder().addHeader("Accept", "application/json"));
            assertThat(ElasticsearchClients.lowLevel(es).performRequest(bulk).getStatusLine().getStatusCode())
                    .isEqualTo(200);
            for (int i = 0; i < payloads.size(); i++) {
                String payload = payloads.get(i);
                String source = rawSource(stack, index, "d-" + i);
                // Each value arrives (as an exact decimal: 1.50 is not 1.5); its bytes are the source's exactly
                // when survivesBinary() said so.
                assertThat(Json.MAPPER.readTree(source).get("metadata")).as(payload)
                        .isEqualTo(Json.MAPPER.readTree(payload));
                assertThat(source.contains("\"metadata\":" + payload + ",")).as(payload)
                        .isEqualTo(new VerbatimJson(payload).survivesBinary());
                assertVector(source);
            }
        }
    }

    @Test
    void theWriterKeepsEverySourceByteForByteAndAClusterRefusingSmileGetsJson(StackEndpoints stack) throws Exception {
        try (ElasticsearchClient es = ElasticsearchClients.connect(stack.elasticsearchUrl());
             FaultInjectingProxy refusing = FaultInjectingProxy.refusingSmile(stack.elasticsearchUrl());
             ElasticsearchClient behindProxy = ElasticsearchClients.connect(refusing.url())) {
            String direct = "bulk-encoding-writer-" + System.currentTimeMillis();
            String proxied = "bulk-encoding-refused-" + System.currentTimeMillis();
            IndexLifecycle lifecycle = new IndexLifecycle(es);
            for (String index : List.of(direct, proxied)) {
                lifecycle.ensureIndex(index, DocumentLayout.MEM0, IndexMapping.forDims(VECTOR.length), "t");
            }
            List<EmbeddedMemoryEvent> events = new ArrayList<>();
            List<String> payloads = new ArrayList<>(PAYLOADS.keySet());
            // 12 documents for SMILE in all: 4 bulks of 3, more than the 2 that can be on their way at once.
            for (int copy = 0; copy < 8; copy++) {
                payloads.add(payloads.get(0));
            }
            for (int i = 0; i < payloads.size(); i++) {
                events.add(event(i, payloads.get(i)));
            }
            // A payload over several lines: no NDJSON line can hold it as it is, so it arrives compact, each token
            // as written.
            String multiLine = "{\n  \"data\": \"over lines\",\r\n  \"n\": 1.50\n}";
            events.add(event(payloads.size(), multiLine));
            write(es, direct, events);
            write(behindProxy, proxied, events);
            // Refused for the SMILE bulks already on their way (2 at once) when the first refusal came back; from
            // then on the writer sends JSON without asking again (4 SMILE bulks would have gone otherwise).
            assertThat(refusing.smileRefusals.get()).isBetween(1, 2);
            for (String index : List.of(direct, proxied)) {
                es.indices().refresh(r -> r.index(index));
                for (int i = 0; i < payloads.size(); i++) {
                    String source = rawSource(stack, index, "d-" + i);
                    assertThat(source).as(index + " " + payloads.get(i)).contains("\"metadata\":" + payloads.get(i) + ",");
                    assertVector(source);
                }
                String compacted = rawSource(stack, index, "d-" + payloads.size());
                assertThat(compacted).contains("\"metadata\":{\"data\":\"over lines\",\"n\":1.50},");
                assertVector(compacted);
            }
        }
    }

    private static void write(ElasticsearchClient es, String index, List<EmbeddedMemoryEvent> events) {
        // Bulks of 3, 2 at once: the SMILE and the JSON documents each span several bulks.
        try (ElasticsearchWriter writer = new ElasticsearchWriter(es, index, DocumentLayout.MEM0, BulkEncoding.SMILE, 3,
                1_000_000, 2, RetryPolicy.BACKOFF, new ImportMetrics())) {
            ElasticsearchWriter.Result result = writer.write(events);
            assertThat(result.rejected()).isEmpty();
            assertThat(result.outcome().indexed()).isEqualTo(events.size());
        }
    }

    private static EmbeddedMemoryEvent event(int i, String payload) {
        return TestEvents.withPayload(TestEvents.upsert("d-" + i, "text " + i, 1, VECTOR), payload);
    }

    private static void assertVector(String source) throws IOException {
        var vector = FaultInjectingProxy.parse(source).get("vector");
        assertThat(vector).hasSize(VECTOR.length);
        for (int d = 0; d < VECTOR.length; d++) {
            assertThat(Float.parseFloat(vector.get(d).asText())).isEqualTo(VECTOR[d]);
        }
    }

    private static String rawSource(StackEndpoints stack, String index, String id) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + "/"
                + index + "/_source/" + id)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
