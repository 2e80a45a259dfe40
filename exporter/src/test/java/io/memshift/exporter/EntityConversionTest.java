package io.memshift.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import io.memshift.schemas.Kind;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.MemoryVersion;
import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An entity of Mem0's entity store becomes an event of the log like a memory: marked ENTITY, its {@code data} the
 * text the re-embedder embeds, its payload verbatim, its scope ids in place; what is wrong with one is named as
 * the store spells it. No server.
 */
@Tag("fast")
class EntityConversionTest {

    private static final Instant OBSERVED = Instant.parse("2025-05-01T00:00:00Z");
    private final MemoryEventConverter converter = new MemoryEventConverter("mem0-es", "mem0", 100, OBSERVED);

    @Test
    void aTypeScriptEntityIsAnEntityEventWithItsPayloadVerbatim() {
        String payload = "{\"data\":\"Lisbon\",\"entityType\":\"PLACE\",\"linkedMemoryIds\":[\"m-1\",\"m-2\"],"
                + "\"user_id\":\"alice\",\"confidence\":0.950}";
        MemoryEventConverter.Result result = converter.convert(new SourceEntity("e-1", payload, "mem0_entities#1 (_id e-1)"));

        assertThat(result.problems()).isEmpty();
        MemoryEvent event = result.event();
        assertThat(event.getKind()).isEqualTo(Kind.ENTITY);
        assertThat(event.getId()).isEqualTo("e-1");
        assertThat(event.getText()).as("what Mem0 embedded for it: its data, exactly").isEqualTo("Lisbon");
        assertThat(event.getUserId()).isEqualTo("alice");
        assertThat(event.getPayload()).as("byte for byte, number forms included").isEqualTo(payload);
        assertThat(event.getMetadata())
                .isEqualTo("{\"entityType\":\"PLACE\",\"linkedMemoryIds\":[\"m-1\",\"m-2\"],\"confidence\":0.950}");
        // No timestamps: dated by the export's observation, so a later export of a changed store wins.
        assertThat(event.getVersion()).isEqualTo(MemoryVersion.ofUpsert(null, null, OBSERVED, "Lisbon"));
        assertThat(event.getSource().getPosition()).isEqualTo("mem0_entities#1 (_id e-1)");
    }

    @Test
    void aPythonEntityKeepsItsSnakeCaseAndAMemoryStaysAMemory() {
        String payload = "{\"data\":\"Siemens\",\"entity_type\":\"ORG\",\"linked_memory_ids\":[\"m-9\"],\"agent_id\":\"coach\"}";
        MemoryEvent entity = converter.convert(new SourceEntity("e-2", payload, "mem0_entities#2")).event();
        assertThat(entity.getPayload()).isEqualTo(payload);
        assertThat(entity.getAgentId()).isEqualTo("coach");
        assertThat(entity.getUserId()).isNull();

        MemoryEvent memory = converter.convert(new SourceEntity("m-9", "{\"data\":\"Works at Siemens\"}", "x")
                .toSourceMemory()).event();
        assertThat(memory.getKind()).as("the default, as for every event written before entities").isEqualTo(Kind.MEMORY);
    }

    @Test
    void whatIsWrongWithAnEntityIsNamedAsTheStoreSpellsIt() {
        assertThat(converter.convert(new SourceEntity("e-3", "{\"entityType\":\"PERSON\"}", "mem0_entities#3")).problems())
                .containsExactly("mem0_entities#3: entity id=e-3: field 'data' is missing");
        assertThat(converter.convert(new SourceEntity("e-4", "{\"data\":\"  \"}", "mem0_entities#4")).problems())
                .containsExactly("mem0_entities#4: entity id=e-4: field 'data' is empty");
        assertThat(converter.convert(new SourceEntity("e-5", "{\"data\":7}", "mem0_entities#5")).problems())
                .containsExactly("mem0_entities#5: entity id=e-5: field 'data' must be a string, found number");
        assertThat(converter.convert(new SourceEntity("e-6", "{\"data\":\"" + "x".repeat(101) + "\"}", "mem0_entities#6"))
                .problems()).containsExactly("mem0_entities#6: entity id=e-6: field 'data' has 101 characters, over the"
                + " limit of 100");
    }
}
