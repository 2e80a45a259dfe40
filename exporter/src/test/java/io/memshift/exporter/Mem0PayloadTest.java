package io.memshift.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.schemas.Json;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Mem0's stored payload read as a memory object: the one mapping every Mem0 vector-store reader uses. */
@Tag("fast")
class Mem0PayloadTest {

    @Test
    void theTextAndMem0sOwnKeysGetTheirPlacesAndEveryOtherKeyIsTheMemorysMetadataInPayloadOrder() throws Exception {
        ObjectNode payload = (ObjectNode) Json.MAPPER.readTree("""
                {"source": "chat", "user_id": "alice", "data": "Likes tea", "hash": "abc", "weight": 0.50,
                 "created_at": "2024-04-01T10:00:00-07:00", "updated_at": null, "categories": ["food"],
                 "nested": {"b": 1, "a": [1, 2]}, "text_lemmatized": "like tea"}""");
        ObjectNode memory = Mem0Payload.toMemory("m-1", payload);

        assertThat(memory.toString()).isEqualTo("{\"id\":\"m-1\",\"memory\":\"Likes tea\",\"user_id\":\"alice\","
                + "\"hash\":\"abc\",\"created_at\":\"2024-04-01T10:00:00-07:00\",\"updated_at\":null,"
                + "\"categories\":[\"food\"],\"metadata\":{\"source\":\"chat\",\"weight\":0.50,"
                + "\"nested\":{\"b\":1,\"a\":[1,2]},\"text_lemmatized\":\"like tea\"}}");
        MemoryEventConverter.Result result = new MemoryEventConverter("mem0-qdrant", "mem0", 1000)
                .convert(new SourceMemory(memory, "mem0#1", null));
        assertThat(result.problems()).isEmpty();
        assertThat(result.event().getMetadata())
                .isEqualTo("{\"source\":\"chat\",\"weight\":0.50,\"nested\":{\"b\":1,\"a\":[1,2]},\"text_lemmatized\":\"like tea\"}");
    }

    @Test
    void aRecordWithoutIdOrTextOrPayloadBecomesAMemoryTheConverterRefusesByName() throws Exception {
        ObjectNode memory = Mem0Payload.toMemory(null, Json.MAPPER.missingNode());
        assertThat(memory.isEmpty()).isTrue();
        MemoryEventConverter.Result result = new MemoryEventConverter("mem0-qdrant", "mem0", 1000)
                .convert(new SourceMemory(memory, "mem0#3 (id null)", null));
        assertThat(result.problems()).containsExactly("mem0#3 (id null): memory (no id): field 'id' is missing",
                "mem0#3 (id null): memory (no id): field 'memory' is missing");
    }
}
