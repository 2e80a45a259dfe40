package io.memshift.exporter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.memshift.clients.KafkaSettings;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.Pipeline;
import io.memshift.schemas.SchemaRegistryClient;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Mem0's REST API, through a local mock of its wire format: paginated to the end, throttled, exported once each. */
@ExtendWith(EmbeddedStackExtension.class)
class Mem0ApiReaderTest {

    private static final String KEY = "m0-test-secret-key-123";

    @Test
    void pagesThroughEveryScopeWaitsOutRateLimitsAndExportsEachMemoryOnce(StackEndpoints stack) throws Exception {
        try (Mem0ApiMock api = new Mem0ApiMock(KEY)) {
            // 257 memories of alice (3 pages of 100), 40 of bob; 30 of bob's also carry agent "coach", so the
            // coach scope lists them again: they must still be exported once.
            for (int i = 0; i < 257; i++) {
                api.put(Mem0ApiMock.memory("alice-" + i, "Alice memory " + i, "alice", null,
                        "2025-03-01T10:00:00." + String.format("%06d", i) + "-08:00", null));
            }
            for (int i = 0; i < 40; i++) {
                api.put(Mem0ApiMock.memory("bob-" + i, "Bob memory " + i, "bob", i < 30 ? "coach" : null,
                        "2025-03-02T10:00:00-08:00", "2025-03-03T09:00:00." + String.format("%03d", i) + "-08:00"));
            }
            api.throttleEvery(4);

            SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
            Mem0ApiReader reader = new Mem0ApiReader(Mem0ApiClient.fromEnv(api.url(), Map.of(Mem0ApiClient.API_KEY_ENV, KEY)), List.of());
            String topic = "memories.mem0api";
            ExportSummary summary = new Exporter(KafkaSettings.of(stack.bootstrapServers()), registry, 3, topic)
                    .export(reader, new MemoryEventConverter("mem0-api", "mem0-api", MemoryEventConverter.DEFAULT_MAX_TEXT_CHARS),
                            ExportProgress.NONE);

            assertThat(summary.published()).isEqualTo(297);
            assertThat(api.throttled()).as("the mock throttled some requests").isGreaterThan(0);
            // alice: 3 pages; bob: 1; coach: 1 — read twice (validation, then publishing).
            assertThat(api.memoryListings()).isEqualTo(2 * (3 + 1 + 1));
            List<MemoryEvent> records = ExporterTest.readRecords(stack, registry, Pipeline.ofLog(topic).intake());
            assertThat(records).hasSize(297);
            Map<String, MemoryEvent> byId = records.stream().collect(Collectors.toMap(MemoryEvent::getId, Function.identity()));
            assertThat(byId).hasSize(297);
            MemoryEvent bob = byId.get("bob-7");
            assertThat(bob.getText()).isEqualTo("Bob memory 7");
            assertThat(bob.getUserId()).isEqualTo("bob");
            assertThat(bob.getAgentId()).isEqualTo("coach");
            assertThat(bob.getUpdatedAt()).isEqualTo("2025-03-03T09:00:00.007-08:00");
            assertThat(bob.getMetadata()).isEqualTo("{\"origin\":\"mock\"}");
            assertThat(bob.getCategories()).containsExactly("personal");
            assertThat(bob.getExtras()).containsKeys("immutable", "expiration_date", "app_id");
            assertThat(bob.getSource().getSystem()).isEqualTo("mem0-api");

            // No snapshot to resume from: a second run reads the API again but publishes nothing the topic holds.
            api.throttleEvery(0);
            ExportSummary again = new Exporter(KafkaSettings.of(stack.bootstrapServers()), registry, 3, topic)
                    .export(reader, new MemoryEventConverter("mem0-api", "mem0-api", MemoryEventConverter.DEFAULT_MAX_TEXT_CHARS),
                            ExportProgress.NONE);
            assertThat(again.published()).isZero();
            assertThat(again.skipped()).isEqualTo(297);
            assertThat(ExporterTest.readRecords(stack, registry, Pipeline.ofLog(topic).intake())).hasSize(297);

            // A scope asked for is the only one listed.
            Mem0ApiReader onlyBob = new Mem0ApiReader(new Mem0ApiClient(api.url(), KEY), List.of(new Mem0ApiReader.Scope("user", "bob")));
            java.util.concurrent.atomic.AtomicInteger bobs = new java.util.concurrent.atomic.AtomicInteger();
            onlyBob.forEach(m -> bobs.incrementAndGet());
            assertThat(bobs).hasValue(40);
        }
    }

    /** A deployment without the v2 listing, whose v1 listing ignores paging: every memory, once, and no loop. */
    @Test
    void fallsBackToTheV1ListingAndStopsWhenAServerRepeatsTheSamePage() throws Exception {
        try (Mem0ApiMock api = new Mem0ApiMock(KEY)) {
            for (int i = 0; i < 100; i++) {
                api.put(Mem0ApiMock.memory("v1-" + i, "V1 memory " + i, "carol", null, "2025-01-01T00:00:00Z", null));
            }
            api.put(Mem0ApiMock.memory("v1-dave", "Dave's memory", "dave", null, "2025-01-01T00:00:00Z", null));
            api.v1Only();
            java.util.List<String> ids = new java.util.ArrayList<>();
            new Mem0ApiReader(new Mem0ApiClient(api.url(), KEY), List.of())
                    .forEach(m -> ids.add(m.json().get("id").asText()));
            assertThat(ids).hasSize(101).doesNotHaveDuplicates().contains("v1-0", "v1-99", "v1-dave");
        }
    }

    @Test
    void aWrongKeyFailsAtOnceWithoutPrintingTheKey() throws Exception {
        try (Mem0ApiMock api = new Mem0ApiMock(KEY)) {
            api.put(Mem0ApiMock.memory("m1", "text", "alice", null, "2025-01-01T00:00:00Z", null));
            String wrong = "m0-wrong-key-456";
            Mem0ApiReader reader = new Mem0ApiReader(new Mem0ApiClient(api.url(), wrong), List.of());
            assertThatThrownBy(() -> reader.forEach(m -> { }))
                    .isInstanceOf(Mem0ApiClient.Mem0ApiException.class)
                    .hasMessageContaining("401").hasMessageContaining("MEM0_API_KEY")
                    .message().doesNotContain(wrong);
        }
        assertThatThrownBy(() -> Mem0ApiClient.fromEnv("https://api.mem0.ai", Map.of()))
                .hasMessageContaining("MEM0_API_KEY");
    }

    @Test
    void retryAfterIsReadAsSecondsOrAsAnHttpDate() {
        assertThat(Mem0ApiClient.retryAfter("3")).hasSeconds(3);
        assertThat(Mem0ApiClient.retryAfter("0.5").toMillis()).isEqualTo(500);
        assertThat(Mem0ApiClient.retryAfter(null)).hasSeconds(5);
        String inTenSeconds = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME
                .format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(10));
        assertThat(Mem0ApiClient.retryAfter(inTenSeconds).toSeconds()).isBetween(8L, 10L);
        assertThat(Mem0ApiClient.retryAfter("3600")).hasMinutes(5);
    }
}
