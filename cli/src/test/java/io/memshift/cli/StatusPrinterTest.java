package io.memshift.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.memshift.control.ClusterProbe;
import io.memshift.control.PipelineStatus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class StatusPrinterTest {

    private static PipelineStatus.GroupProgress group(String name, long lag, Double rate, Double eta) {
        return new PipelineStatus.GroupProgress(name, "t", "Stable", 1, 100, 100 + lag, lag, rate, eta);
    }

    @Test
    void oneRowPerStageInColumnsAsWideAsTheLongestNameWithTheEtaInWords() {
        PipelineStatus.Index index = new PipelineStatus.Index("idx", Set.of("memories"), "false", "2026-11-25T10:00:00Z",
                group("memshift-import-idx", 0, 12.0, 0.0), new PipelineStatus.TopicCount("memories.import-dlq.idx", 2));
        PipelineStatus.Generation generation = new PipelineStatus.Generation("onnx-bge-small-en-v15", 1,
                "a-rather-long-input-topic.embedded.onnx-bge-small-en-v15", 90,
                group("memshift-reembed-a-rather-long-input-topic-onnx-bge-small-en-v15", 4321, 25.0, 172.84),
                new PipelineStatus.TopicCount("memories.dlq.onnx-bge-small-en-v15", 0), List.of(index));
        PipelineStatus status = new PipelineStatus("2026-11-25T10:00:03Z", 3.0, List.of(
                new ClusterProbe.Reachability(ClusterProbe.Cluster.KAFKA, "127.0.0.1:9092", true, null),
                new ClusterProbe.Reachability(ClusterProbe.Cluster.ELASTICSEARCH, "http://127.0.0.1:9200", false,
                        "connection refused")),
                List.of(new PipelineStatus.Pipeline("a-rather-long-input-topic", "a-rather-long-input-topic", 4421,
                        List.of(new PipelineStatus.Source("jsonl:/x.jsonl", "", 4421, 4421, true)), List.of(generation),
                        new PipelineStatus.TopicCount("a-rather-long-input-topic.rejected", 3))));

        StringWriter text = new StringWriter();
        StatusPrinter.print(new PrintWriter(text), status);
        List<String> lines = text.toString().lines().toList();

        String reembedder = lines.stream().filter(l -> l.startsWith("  re-embedder")).findFirst().orElseThrow();
        String importer = lines.stream().filter(l -> l.startsWith("  importer")).findFirst().orElseThrow();
        String header = lines.stream().filter(l -> l.startsWith("  STAGE")).findFirst().orElseThrow();
        assertThat(reembedder).contains("4321").contains("25.0").contains("2 min 53 s");
        assertThat(importer).contains("caught up").contains("alias memories; VERIFY FAILED at 2026-11-25T10:00:00Z");
        // The lag column ends at the same place on every row.
        assertThat(reembedder.indexOf("4321") + 4).isEqualTo(header.indexOf("LAG") + 3);
        assertThat(importer.indexOf("       0 ") + 8).isEqualTo(header.indexOf("LAG") + 3);
        assertThat(text.toString())
                .contains("Elasticsearch    http://127.0.0.1:9200")
                .contains("NOT ANSWERING: connection refused")
                .contains("export jsonl:/x.jsonl: 4421 of 4421 memories, complete")
                .contains("  rejected records (a-rather-long-input-topic.rejected): 3")
                .contains("Unhealthy:")
                .contains("  - 2 memories Elasticsearch refused for idx are in memories.import-dlq.idx")
                .contains("  - alias memories points to idx, whose last verify failed");
    }

    @Test
    void durationsReadAsSecondsMinutesOrHours() {
        assertThat(StatusPrinter.duration(0.2)).isEqualTo("1 s");
        assertThat(StatusPrinter.duration(59.0)).isEqualTo("59 s");
        assertThat(StatusPrinter.duration(172.84)).isEqualTo("2 min 53 s");
        assertThat(StatusPrinter.duration(7260)).isEqualTo("2 h 01 min");
        assertThat(StatusPrinter.eta(group("g", 5, 0.0, null))).isEqualTo("stalled");
        assertThat(StatusPrinter.eta(group("g", 5, null, null))).isEqualTo("-");
    }
}
