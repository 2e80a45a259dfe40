package io.memshift.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.schemas.Json;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.MemoryVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Versions come from every spelling Mem0 writes its timestamps in, and from the observation when there is none. */
@Tag("fast")
class Mem0TimestampSpellingsTest {

    private static final String CREATED = "2025-02-03T04:05:06.789Z";
    private static final String UPDATED = "2025-03-04T05:06:07.891Z";

    @TempDir
    Path dir;

    private static MemoryEvent convert(MemoryEventConverter converter, String json) throws Exception {
        ObjectNode memory = (ObjectNode) Json.MAPPER.readTree(json);
        MemoryEventConverter.Result result = converter.convert(new SourceMemory(memory, "test:1", null));
        assertThat(result.problems()).isEmpty();
        return result.event();
    }

    @Test
    void snakeAndCamelCaseTimestampsGiveTheSameVersion() throws Exception {
        MemoryEventConverter converter = new MemoryEventConverter("mem0-json", "t", 1000);
        MemoryEvent python = convert(converter, "{\"id\":\"a\",\"memory\":\"x\",\"created_at\":\"" + CREATED
                + "\",\"updated_at\":\"" + UPDATED + "\"}");
        MemoryEvent typescript = convert(converter, "{\"id\":\"a\",\"memory\":\"x\",\"createdAt\":\"" + CREATED
                + "\",\"updatedAt\":\"" + UPDATED + "\"}");
        assertThat(typescript.getVersion()).isEqualTo(python.getVersion())
                .isEqualTo(MemoryVersion.ofUpsert(Instant.parse(UPDATED), Instant.parse(CREATED), "x"));
        assertThat(typescript.getUpdatedAtTs()).isEqualTo(Instant.parse(UPDATED));
        // The camelCase spelling stays as given, so it can be written back as the source spelled it.
        assertThat(typescript.getExtras()).containsEntry("createdAt", "\"" + CREATED + "\"")
                .containsEntry("updatedAt", "\"" + UPDATED + "\"");
        assertThat(python.getExtras()).isEmpty();

        // The TypeScript SDK writes no updatedAt until a memory is updated: createdAt dates it meanwhile, and the
        // update (a later updatedAt) outranks it whatever its text.
        MemoryEvent added = convert(converter, "{\"id\":\"a\",\"memory\":\"zzz\",\"createdAt\":\"" + CREATED + "\"}");
        MemoryEvent updated = convert(converter, "{\"id\":\"a\",\"memory\":\"a\",\"createdAt\":\"" + CREATED
                + "\",\"updatedAt\":\"" + UPDATED + "\"}");
        assertThat(updated.getVersion()).isGreaterThan(added.getVersion());
    }

    @Test
    void everyOffsetSpellingElasticsearchTakesAndADateAloneGiveTheInstantTheyMean() throws Exception {
        MemoryEventConverter converter = new MemoryEventConverter("mem0-json", "t", 1000);
        String[][] spellings = {
            {"2025-02-03T09:35:06.789+05:30", "2025-02-03T04:05:06.789Z"},
            {"2025-02-03T09:35:06.789+0530", "2025-02-03T04:05:06.789Z"},
            {"2025-02-02T21:05:06-0700", "2025-02-03T04:05:06Z"},
            {"2025-02-03T09:05:06+05", "2025-02-03T04:05:06Z"},
            {"2025-02-03 04:05:06.789", "2025-02-03T04:05:06.789Z"},
            {"2025-02-03", "2025-02-03T00:00:00Z"},
        };
        for (String[] spelling : spellings) {
            MemoryEvent event = convert(converter, "{\"id\":\"a\",\"memory\":\"x\",\"created_at\":\"" + spelling[0]
                    + "\",\"updated_at\":\"" + spelling[0] + "\"}");
            assertThat(event.getUpdatedAtTs()).as(spelling[0]).isEqualTo(Instant.parse(spelling[1]));
        }
        for (String garbage : new String[] {"2025-02-03T04:05:06+5", "2025-02-03T04:05:06ZZ",
            "2025-02-03T04:05:06+05:30+0530", "2025-02-03T04:05:06Z+00"}) {
            ObjectNode bad = (ObjectNode) Json.MAPPER.readTree("{\"id\":\"b\",\"memory\":\"x\",\"created_at\":\""
                    + garbage + "\"}");
            assertThat(converter.convert(new SourceMemory(bad, "t:4", null)).problems())
                    .containsExactly("t:4: memory id=b: field 'created_at' is not an ISO-8601 timestamp: '" + garbage + "'");
        }
    }

    @Test
    void aBadCamelCaseTimestampIsNamed() throws Exception {
        MemoryEventConverter converter = new MemoryEventConverter("mem0-json", "t", 1000);
        ObjectNode memory = (ObjectNode) Json.MAPPER.readTree("{\"id\":\"a\",\"memory\":\"x\",\"createdAt\":\"yesterday\"}");
        assertThat(converter.convert(new SourceMemory(memory, "t:3", null)).problems())
                .containsExactly("t:3: memory id=a: field 'createdAt' is not an ISO-8601 timestamp: 'yesterday'");
    }

    @Test
    void aMemoryWithoutTimestampsIsDatedByItsFilesModificationTime() throws Exception {
        Path file = dir.resolve("export.json");
        Files.writeString(file, "[{\"id\":\"a\",\"memory\":\"before\"}]");
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2025-01-01T00:00:00Z")));
        MemoryEvent before = convert(MemoryEventConverter.forSource(new Mem0ExportReader(file), 1000),
                "{\"id\":\"a\",\"memory\":\"before\"}");
        // The same file, unchanged, observed again: the same version (a no-op downstream).
        assertThat(convert(MemoryEventConverter.forSource(new Mem0ExportReader(file), 1000),
                "{\"id\":\"a\",\"memory\":\"before\"}").getVersion()).isEqualTo(before.getVersion());

        // The app changed the text since, and the file was written again: the change wins, whatever its text.
        Files.writeString(file, "[{\"id\":\"a\",\"memory\":\"after\"}]");
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2025-01-01T00:00:01Z")));
        for (String text : new String[] {"after", "a", "zzzz"}) {
            MemoryEvent after = convert(MemoryEventConverter.forSource(new Mem0ExportReader(file), 1000),
                    "{\"id\":\"a\",\"memory\":\"" + text + "\"}");
            assertThat(after.getVersion()).as(text).isGreaterThan(before.getVersion());
        }
        assertThat(before.getVersion() / 1000).isEqualTo(Instant.parse("2025-01-01T00:00:00Z").toEpochMilli() * 1000);
    }
}
