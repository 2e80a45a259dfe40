package io.memshift.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.Op;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Validation of one source memory: each refusal names where it was found (file:line), the memory id and the field,
 * and a valid memory is carried verbatim. No server.
 */
@Tag("fast")
class MemoryEventConverterTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final MemoryEventConverter converter = new MemoryEventConverter("mem0-json", "export.json", 100);

    private MemoryEventConverter.Result convert(String json, int line) throws Exception {
        return converter.convert(new SourceMemory((ObjectNode) JSON.readTree(json), "export.json:" + line, null));
    }

    private List<String> problems(String json, int line) throws Exception {
        MemoryEventConverter.Result result = convert(json, line);
        assertThat(result.valid()).as("refused: %s", json).isFalse();
        assertThat(result.event()).isNull();
        return result.problems();
    }

    @Test
    void aMissingIdIsNamedWithTheFileAndLine() throws Exception {
        assertThat(problems("{\"memory\": \"Likes tea\"}", 7))
                .containsExactly("export.json:7: memory (no id): field 'id' is missing");
        assertThat(problems("{\"id\": \"  \", \"memory\": \"Likes tea\"}", 8))
                .containsExactly("export.json:8: memory (no id): field 'id' is empty");
        assertThat(problems("{\"id\": 42, \"memory\": \"Likes tea\"}", 9))
                .containsExactly("export.json:9: memory (no id): field 'id' must be a string, found number");
    }

    @Test
    void aMissingOrUnusableTextIsNamedWithTheMemoryId() throws Exception {
        assertThat(problems("{\"id\": \"m-1\"}", 2)).containsExactly("export.json:2: memory id=m-1: field 'memory' is missing");
        assertThat(problems("{\"id\": \"m-1\", \"memory\": null}", 2))
                .containsExactly("export.json:2: memory id=m-1: field 'memory' is missing");
        assertThat(problems("{\"id\": \"m-2\", \"memory\": \" \\n \"}", 3))
                .containsExactly("export.json:3: memory id=m-2: field 'memory' is empty");
        assertThat(problems("{\"id\": \"m-3\", \"memory\": [\"a\"]}", 4))
                .containsExactly("export.json:4: memory id=m-3: field 'memory' must be a string, found array");
        assertThat(problems("{\"id\": \"m-4\", \"memory\": \"" + "x".repeat(101) + "\"}", 5))
                .containsExactly("export.json:5: memory id=m-4: field 'memory' has 101 characters, over the limit of 100");
        assertThat(problems("{\"id\": \"m-5\", \"memory\": \"broken \\ud83e here\"}", 6))
                .containsExactly("export.json:6: memory id=m-5: field 'memory' is not valid Unicode (lone surrogate)");
        // What a model's tokenizer drops entirely (a zero-width space, a byte order mark) is no text either.
        assertThat(problems("{\"id\": \"m-6\", \"memory\": \"\\u200b \\ufeff\"}", 7))
                .containsExactly("export.json:7: memory id=m-6: field 'memory' is empty (only invisible characters)");
        assertThat(problems("{\"id\": \"m-7\", \"memory\": \"\\u3000\"}", 8))
                .containsExactly("export.json:8: memory id=m-7: field 'memory' is empty");
        assertThat(convert("{\"id\": \"m-8\", \"memory\": \"\\u200bLikes tea\"}", 9).valid()).isTrue();
    }

    @Test
    void aLoneSurrogateAnywhereIsNamedByItsField() throws Exception {
        // UTF-8 cannot carry it: it came out as '?' in the log and the index.
        assertThat(problems("{\"id\": \"s-1\\udc00\", \"memory\": \"Likes tea\"}", 2))
                .containsExactly("export.json:2: memory id=s-1\udc00: field 'id' is not valid Unicode (lone surrogate):"
                        + " it cannot be written as UTF-8");
        assertThat(problems("{\"id\": \"s-2\", \"memory\": \"Likes tea\", \"metadata\": {\"k\": [\"ok\", \"\\ud83e\"]}}", 3))
                .containsExactly("export.json:3: memory id=s-2: field 'metadata.k[1]' is not valid Unicode (lone surrogate):"
                        + " it cannot be written as UTF-8");
        assertThat(problems("{\"id\": \"s-3\", \"memory\": \"Likes tea\", \"user_id\": \"\\udc00x\"}", 4))
                .anyMatch(p -> p.contains("field 'user_id' is not valid Unicode"));
    }

    @Test
    void anIdLongerThanElasticsearchTakesIsRefused() throws Exception {
        assertThat(problems("{\"id\": \"" + "i".repeat(513) + "\", \"memory\": \"Likes tea\"}", 2))
                .containsExactly("export.json:2: memory (no id): field 'id' is 513 bytes in UTF-8, over the 512"
                        + " Elasticsearch takes for a document's _id");
        assertThat(convert("{\"id\": \"" + "i".repeat(512) + "\", \"memory\": \"Likes tea\"}", 3).valid()).isTrue();
    }

    @Test
    void fieldsOfTheWrongTypeAreEachNamed() throws Exception {
        assertThat(problems("{\"id\": \"t-1\", \"memory\": \"ok\", \"user_id\": 5}", 10))
                .containsExactly("export.json:10: memory id=t-1: field 'user_id' must be a string or null, found number");
        assertThat(problems("{\"id\": \"t-2\", \"memory\": \"ok\", \"metadata\": [1, 2]}", 11))
                .containsExactly("export.json:11: memory id=t-2: field 'metadata' must be an object or null, found array");
        assertThat(problems("{\"id\": \"t-3\", \"memory\": \"ok\", \"categories\": \"food\"}", 12))
                .containsExactly("export.json:12: memory id=t-3: field 'categories' must be a list of strings or null, found string");
        assertThat(problems("{\"id\": \"t-4\", \"memory\": \"ok\", \"categories\": [\"food\", 3]}", 13))
                .containsExactly("export.json:13: memory id=t-4: field 'categories' must hold only strings, found number");
        assertThat(problems("{\"id\": \"t-5\", \"memory\": \"ok\", \"created_at\": \"yesterday\"}", 14))
                .containsExactly("export.json:14: memory id=t-5: field 'created_at' is not an ISO-8601 timestamp: 'yesterday'");
        assertThat(problems("{\"id\": \"t-6\", \"memory\": \"ok\", \"agent_id\": {\"x\": 1}}", 15))
                .containsExactly("export.json:15: memory id=t-6: field 'agent_id' must be a string or null, found object");
    }

    @Test
    void aTimestampLaterThanAVersionCanCarryIsRefusedByFieldNotAnOverflow() throws Exception {
        assertThat(problems("{\"id\": \"f-1\", \"memory\": \"ok\", \"created_at\": \"2300-01-01T00:00:00Z\"}", 16))
                .containsExactly("export.json:16: memory id=f-1: field 'created_at' is '2300-01-01T00:00:00Z', after"
                        + " 2262-04-11T23:47:16.854774Z, the latest time memshift can carry");
        assertThat(problems("{\"id\": \"f-2\", \"memory\": \"ok\", \"created_at\": \"2024-01-01T00:00:00Z\","
                + " \"updated_at\": \"9999-12-31T23:59:59Z\"}", 17))
                .containsExactly("export.json:17: memory id=f-2: field 'updated_at' is '9999-12-31T23:59:59Z', after"
                        + " 2262-04-11T23:47:16.854774Z, the latest time memshift can carry");
        assertThat(problems("{\"id\": \"f-3\", \"memory\": \"ok\", \"updatedAt\": \"2262-04-12T00:00:00Z\"}", 18))
                .containsExactly("export.json:18: memory id=f-3: field 'updatedAt' is '2262-04-12T00:00:00Z', after"
                        + " 2262-04-11T23:47:16.854774Z, the latest time memshift can carry");
        // The last microsecond a version can carry is still accepted, with every tie-break.
        MemoryEventConverter.Result last = convert(
                "{\"id\": \"f-4\", \"memory\": \"ok\", \"updated_at\": \"2262-04-11T23:47:16.854774Z\"}", 19);
        assertThat(last.valid()).as("%s", last.problems()).isTrue();
        assertThat(last.event().getVersion()).isPositive();
    }

    @Test
    void theTextLimitCountsCharactersNotUtf16Units() throws Exception {
        String emoji = "😀"; // one character, two UTF-16 units
        assertThat(convert("{\"id\": \"e-1\", \"memory\": \"" + emoji.repeat(100) + "\"}", 21).valid())
                .as("100 characters are within the limit of 100").isTrue();
        assertThat(problems("{\"id\": \"e-2\", \"memory\": \"" + emoji.repeat(101) + "\"}", 22))
                .containsExactly("export.json:22: memory id=e-2: field 'memory' has 101 characters, over the limit of 100");
    }

    @Test
    void everyProblemOfOneMemoryIsReportedNotJustTheFirst() throws Exception {
        assertThat(problems("{\"id\": \"many\", \"user_id\": 1, \"categories\": {}, \"role\": true}", 20)).containsExactly(
                "export.json:20: memory id=many: field 'memory' is missing",
                "export.json:20: memory id=many: field 'user_id' must be a string or null, found number",
                "export.json:20: memory id=many: field 'categories' must be a list of strings or null, found object",
                "export.json:20: memory id=many: field 'role' must be a string or null, found boolean");
    }

    @Test
    void aValidMemoryIsCarriedVerbatimWithWhereItCameFrom() throws Exception {
        MemoryEventConverter.Result result = convert("""
                {"id": "v-1", "memory": "Vegetarian, allergic to nuts 🥜", "hash": "h-1",
                 "metadata": {"source": "chat", "n": 12, "tags": ["x", "y"]}, "categories": ["food"],
                 "user_id": "alice", "agent_id": null, "run_id": "r1", "actor_id": "a", "role": "user",
                 "immutable": false, "expiration_date": null}""", 3);

        assertThat(result.valid()).as("%s", result.problems()).isTrue();
        MemoryEvent event = result.event();
        assertThat(event.getOp()).isEqualTo(Op.UPSERT);
        assertThat(event.getId()).isEqualTo("v-1");
        assertThat(event.getText()).isEqualTo("Vegetarian, allergic to nuts 🥜");
        assertThat(event.getHash()).isEqualTo("h-1");
        assertThat(event.getMetadata()).as("keys, order and values kept").isEqualTo("{\"source\":\"chat\",\"n\":12,\"tags\":[\"x\",\"y\"]}");
        assertThat(event.getCategories()).containsExactly("food");
        assertThat(event.getUserId()).isEqualTo("alice");
        assertThat(event.getAgentId()).isNull();
        assertThat(event.getRunId()).isEqualTo("r1");
        assertThat(event.getActorId()).isEqualTo("a");
        assertThat(event.getRole()).isEqualTo("user");
        assertThat(event.getExtras()).containsEntry("immutable", "false").containsEntry("expiration_date", "null")
                .hasSize(2);
        assertThat(event.getSource().getSystem()).isEqualTo("mem0-json");
        assertThat(event.getSource().getName()).isEqualTo("export.json");
        assertThat(event.getSource().getPosition()).isEqualTo("export.json:3");
    }

    @Test
    void theUserOfTheFilesLayoutAppliesOnlyWhenTheMemoryNamesNone() throws Exception {
        ObjectNode withoutUser = (ObjectNode) JSON.readTree("{\"id\": \"s-1\", \"memory\": \"Runs\"}");
        ObjectNode withUser = (ObjectNode) JSON.readTree("{\"id\": \"s-2\", \"memory\": \"Swims\", \"user_id\": \"carol\"}");
        assertThat(converter.convert(new SourceMemory(withoutUser, "by-user.json:2", "bob")).event().getUserId())
                .isEqualTo("bob");
        assertThat(converter.convert(new SourceMemory(withUser, "by-user.json:3", "bob")).event().getUserId())
                .isEqualTo("carol");
    }
}
