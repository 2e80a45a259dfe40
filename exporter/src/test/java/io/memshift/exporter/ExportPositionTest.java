package io.memshift.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class ExportPositionTest {

    private static final String CHECKPOINT = new ExportCheckpoint(300, 540, false, 1234, 5678).toJson();

    @Test
    void aCheckpointKeyIsReadBackAsSourceTopicAndFilters() {
        String key = ExportPosition.key("mem0-json:/data/my -> export.json", "memories", "");
        assertThat(ExportPosition.parse(key, CHECKPOINT)).contains(
                new ExportPosition("mem0-json:/data/my -> export.json", "memories", "", 300, 540, false));

        String filtered = ExportPosition.key("jsonl:/x.jsonl", "support.memories",
                " [user=alice agent=* run=* since=*]");
        assertThat(ExportPosition.parse(filtered, CHECKPOINT)).get().satisfies(p -> {
            assertThat(p.source()).isEqualTo("jsonl:/x.jsonl");
            assertThat(p.topic()).isEqualTo("support.memories");
            assertThat(p.filter()).isEqualTo("[user=alice agent=* run=* since=*]");
        });
    }

    @Test
    void aKeyTheExporterNeverWritesOrADeletedCheckpointIsNothing() {
        assertThat(ExportPosition.parse("no arrow here", CHECKPOINT)).isEmpty();
        assertThat(ExportPosition.parse(ExportPosition.key("a:b", "memories", ""), null)).isEmpty();
    }
}
