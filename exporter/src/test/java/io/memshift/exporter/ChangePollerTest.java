package io.memshift.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.clients.KafkaSettings;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.schemas.Json;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.MemoryVersion;
import io.memshift.schemas.Pipeline;
import io.memshift.schemas.SchemaRegistryClient;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One poll of {@code migrate --follow} on a store without a change query (Mem0's Qdrant store, here its stand-in):
 * the store is read whole and only what changed at or after the moment is published to the pipeline's intake, as
 * the exporter would convert it (its version from its own timestamps, its payload verbatim); a record that is not
 * valid is skipped and named, and what has no timestamp is left to the reconciliation.
 */
@ExtendWith(EmbeddedStackExtension.class)
class ChangePollerTest {

    @Test
    void aPollPublishesWhatChangedSinceTheMomentAndNothingElse(StackEndpoints stack) throws Exception {
        Pipeline pipeline = Pipeline.named("poll-" + UUID.randomUUID().toString().substring(0, 8));
        SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());
        try (QdrantStandIn qdrant = new QdrantStandIn(null);
             MemoryEventPublisher publisher = new MemoryEventPublisher(KafkaSettings.of(stack.bootstrapServers()),
                     registry, pipeline, "follow-test")) {
            qdrant.createCollection("mem0");
            String changed = "00000000-0000-0000-0000-000000000001";
            String created = "00000000-0000-0000-0000-000000000002";
            String old = "00000000-0000-0000-0000-000000000003";
            String untimed = "00000000-0000-0000-0000-000000000004";
            String broken = "00000000-0000-0000-0000-000000000005";
            qdrant.upsert("mem0", changed, payload("{\"data\":\"Moved to Porto\",\"user_id\":\"alice\","
                    + "\"created_at\":\"2024-01-01T00:00:00-07:00\",\"updated_at\":\"2024-05-01T03:30:00-07:00\"}"));
            qdrant.upsert("mem0", created, payload("{\"data\":\"Likes figs\",\"userId\":\"alice\","
                    + "\"createdAt\":\"2024-05-01T10:00:00.000Z\"}"));
            qdrant.upsert("mem0", old, payload("{\"data\":\"Old news\",\"user_id\":\"alice\","
                    + "\"created_at\":\"2024-04-30T09:00:00Z\"}"));
            qdrant.upsert("mem0", untimed, payload("{\"data\":\"No date\",\"user_id\":\"alice\"}"));
            qdrant.upsert("mem0", broken, payload("{\"data\":\"\",\"user_id\":\"alice\",\"updated_at\":\"2024-05-02T00:00:00Z\"}"));

            Mem0QdrantReader reader = Mem0QdrantReader.open(qdrant.url() + "/mem0", Map.of());
            ChangePoller poller = new ChangePoller(reader, publisher, ExportOptions.DEFAULTS,
                    MemoryEventConverter.DEFAULT_MAX_TEXT_CHARS);
            ChangePoller.Poll poll = poller.poll(Instant.parse("2024-05-01T10:00:00Z"));

            assertThat(poller.selectsOnServer()).isFalse();
            assertThat(poll.memories()).containsOnlyKeys(changed, created);
            assertThat(poll.memories().get(changed)).isEqualTo(MemoryVersion.ofUpsert(
                    Instant.parse("2024-05-01T10:30:00Z"), Instant.parse("2024-01-01T07:00:00Z"), "Moved to Porto"));
            assertThat(poll.newest()).isEqualTo(Instant.parse("2024-05-01T10:30:00Z"));
            assertThat(poll.invalidCount()).isEqualTo(1);
            assertThat(poll.invalid()).anySatisfy(problem -> assertThat(problem).contains(broken).contains("'memory' is empty"));

            List<MemoryEvent> intake = ExporterTest.readRecords(stack, registry, pipeline.intake());
            assertThat(intake).extracting(MemoryEvent::getId).containsExactlyInAnyOrder(changed, created);
            MemoryEvent figs = intake.stream().filter(e -> e.getId().equals(created)).findFirst().orElseThrow();
            assertThat(figs.getSource().getSystem()).isEqualTo("mem0-qdrant");
            assertThat(figs.getPayload()).contains("\"createdAt\":\"2024-05-01T10:00:00.000Z\"");
        }
    }

    private static ObjectNode payload(String json) throws Exception {
        return (ObjectNode) Json.MAPPER.readTree(json);
    }
}
