package io.memshift.exporter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The layouts the file readers accept as Mem0 and its tools write them, and what they say about one they do not
 * accept: where, and what was expected. No server.
 */
@Tag("fast")
class SourceFileLayoutsTest {

    @TempDir
    Path dir;

    /** A memory as read: its id, where it was found and the user of the file's layout. */
    private record Read(String id, String position, String scopeUser) {
    }

    private List<Read> read(MemorySource source) {
        List<Read> memories = new ArrayList<>();
        source.forEach(memory -> memories.add(
                new Read(memory.json().path("id").asText(), memory.position(), memory.scopeUser())));
        return memories;
    }

    private Path file(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    private Path file(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }

    @Test
    void theHostedPlatformsPagedAnswerIsReadFromItsResultsAndItsPagingIgnored() throws IOException {
        Path page = file("platform.json", """
                {
                  "count": 2,
                  "next": null,
                  "previous": "https://api.mem0.ai/v2/memories/?page=1",
                  "results": [
                    {"id": "p-1", "memory": "Is allergic to peanuts", "user_id": "alex"},
                    {"id": "p-2", "memory": "Lives in Lisbon", "user_id": "alex"}
                  ]
                }
                """);
        assertThat(read(new Mem0ExportReader(page))).containsExactly(
                new Read("p-1", "platform.json:6", null), new Read("p-2", "platform.json:7", null));
    }

    @Test
    void aListUnderMemoriesIsAListOfMemoriesNotTheMemoriesOfAUserNamedMemories() throws IOException {
        Path wrapped = file("wrapped.json", """
                {"memories": [
                  {"id": "w-1", "memory": "Plays chess", "agent_id": "coach"},
                  {"id": "w-2", "memory": "Likes tea", "user_id": "alex"}
                ]}
                """);
        assertThat(read(new Mem0ExportReader(wrapped))).containsExactly(
                new Read("w-1", "wrapped.json:2", null), new Read("w-2", "wrapped.json:3", null));
    }

    @Test
    void aTruncatedFileIsNamedByLineAndColumnWithoutTheParsersNoise() throws IOException {
        Path truncated = file("truncated.json", "{\"results\": [\n  {\"id\": \"t-1\", \"memory\": \"Likes tea\"},\n  {\"id\": \"t-2\", \"memory\": \"Likes coffee\"");
        assertThatThrownBy(() -> read(new Mem0ExportReader(truncated)))
                .isInstanceOf(InvalidSourceException.class)
                .hasMessageContaining(truncated + ":3:")
                .hasMessageContaining("malformed or truncated JSON: Unexpected end-of-input: expected close marker for"
                        + " Object (start marker at line 3, column 3)")
                .hasMessageNotContaining("REDACTED").hasMessageNotContaining("StreamReadFeature");
    }

    @Test
    void aSingleMemoryAtTheTopIsRefusedSayingWhatWasExpected() throws IOException {
        Path single = file("single.json", """
                {
                  "id": "so-1",
                  "memory": "single object at top",
                  "user_id": "x"
                }
                """);
        assertThatThrownBy(() -> read(new Mem0ExportReader(single)))
                .isInstanceOf(InvalidSourceException.class)
                .hasMessageContaining(single + ":2: the top-level object is a single memory; expected"
                        + " {\"results\": [...]}, {\"memories\": [...]}, a map of user id to {\"results\": [...]} or to"
                        + " a list of memories, or a list of memories (put it in a list: [{...}])");
    }

    @Test
    void aTopLevelValueThatIsNoListOfMemoriesIsRefusedWithoutResultsByItsKey() throws IOException {
        Path counted = file("counted.json", """
                {"count": 3,
                 "alice": {"results": [{"id": "a-1", "memory": "Runs"}]}}
                """);
        assertThatThrownBy(() -> read(new Mem0ExportReader(counted)))
                .isInstanceOf(InvalidSourceException.class)
                .hasMessageContaining(counted + ":1: top-level key 'count' holds a number and there is no \"results\""
                        + " list; expected {\"results\": [...]}");
        Path nullResults = file("null-results.json", """
                {
                  "results": null
                }
                """);
        assertThatThrownBy(() -> read(new Mem0ExportReader(nullResults)))
                .isInstanceOf(InvalidSourceException.class)
                .hasMessageContaining(nullResults + ":2: \"results\" holds null, not a list of memories");
    }

    @Test
    void aMapOfUsersStillGivesEachMemoryWithoutAUserItsKey() throws IOException {
        Path users = file("users.json", """
                {"alice": {"results": [{"id": "a-1", "memory": "Runs"}], "relations": []},
                 "bob": [{"id": "b-1", "memory": "Swims"}],
                 "relations": [{"source": "alice", "relationship": "knows", "target": "bob"}]}
                """);
        assertThat(read(new Mem0ExportReader(users)))
                .containsExactly(new Read("a-1", "users.json:1", "alice"), new Read("b-1", "users.json:2", "bob"));
    }

    @Test
    void jsonLinesWithAUtf8ByteOrderMarkAreReadAndKeepTheirLineNumbers() throws IOException {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] lines = ("{\"id\": \"j-1\", \"memory\": \"first\"}\r\n"
                + "\r\n"
                + "{\"id\": \"j-3\", \"memory\": \"third\"}\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] content = new byte[bom.length + lines.length];
        System.arraycopy(bom, 0, content, 0, bom.length);
        System.arraycopy(lines, 0, content, bom.length, lines.length);
        Path withBom = file("bom.jsonl", content);

        assertThat(read(new JsonLinesReader(withBom)))
                .containsExactly(new Read("j-1", "bom.jsonl:1", null), new Read("j-3", "bom.jsonl:3", null));
    }

    @Test
    void aByteOrderMarkAfterTheFirstLineIsStillMalformedJson() throws IOException {
        Path late = file("late.jsonl", "{\"id\": \"j-1\", \"memory\": \"first\"}\n\uFEFF{\"id\": \"j-2\", \"memory\": \"x\"}\n");
        List<SourceMemory> memories = new ArrayList<>();
        new JsonLinesReader(late).forEach(memories::add);
        assertThat(memories).hasSize(2);
        assertThat(memories.get(0).unreadable()).isNull();
        assertThat(memories.get(1).position()).isEqualTo("late.jsonl:2");
        assertThat(memories.get(1).unreadable().problem()).startsWith("malformed JSON");
        assertThat(memories.get(1).unreadable().text()).isEqualTo("\uFEFF{\"id\": \"j-2\", \"memory\": \"x\"}");
    }
}
