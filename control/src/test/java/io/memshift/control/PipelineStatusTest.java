package io.memshift.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.memshift.control.ClusterProbe.Cluster;
import io.memshift.control.ClusterProbe.Reachability;
import io.memshift.control.PipelineStatus.Generation;
import io.memshift.control.PipelineStatus.GroupProgress;
import io.memshift.control.PipelineStatus.Index;
import io.memshift.control.PipelineStatus.Pipeline;
import io.memshift.control.PipelineStatus.TopicCount;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class PipelineStatusTest {

    private static final List<Reachability> ALL_UP = List.of(
            new Reachability(Cluster.KAFKA, "127.0.0.1:9092", true, null),
            new Reachability(Cluster.SCHEMA_REGISTRY, "http://127.0.0.1:8081", true, null),
            new Reachability(Cluster.ELASTICSEARCH, "http://127.0.0.1:9200", true, null));

    private static GroupProgress group(String name, String topic, long committed, long end) {
        return new GroupProgress(name, topic, "Stable", 1, committed, end, end - committed, null, null);
    }

    private static PipelineStatus reading(String at, long reembedCommitted, long importCommitted, long embedDlq,
                                          long importDlq, String verify, Set<String> aliases,
                                          List<Reachability> clusters) {
        Index index = new Index("memories-m-1", aliases, verify, verify == null ? null : "2026-11-25T10:00:00Z",
                group("memshift-import-memories-m-1", "memories.embedded.m", importCommitted, 1000),
                new TopicCount("memories.import-dlq.memories-m-1", importDlq));
        Generation generation = new Generation("m", 1, "memories.embedded.m", 1000,
                group("memshift-reembed-m", "memories", reembedCommitted, 1000),
                new TopicCount("memories.dlq.m", embedDlq), List.of(index));
        return new PipelineStatus(at, 0, clusters, List.of(new Pipeline("memories", "memories", 1000, List.of(),
                List.of(generation), new TopicCount("memories.rejected", 7))));
    }

    @Test
    void ratesAreOffsetsCommittedPerSecondBetweenTwoReadingsAndEtaIsLagOverRate() {
        PipelineStatus earlier = reading("2026-11-25T10:00:00Z", 200, 100, 0, 0, null, Set.of(), ALL_UP);
        PipelineStatus later = reading("2026-11-25T10:00:04Z", 600, 1000, 0, 0, null, Set.of(), ALL_UP);

        PipelineStatus rated = later.withRates(earlier);

        assertThat(rated.sampleSeconds()).isEqualTo(4.0);
        GroupProgress reembedder = rated.pipelines().get(0).generations().get(0).reembedder();
        assertThat(reembedder.lag()).isEqualTo(400);
        assertThat(reembedder.rate()).isEqualTo(100.0);
        assertThat(reembedder.etaSeconds()).isEqualTo(4.0);
        GroupProgress importer = rated.pipelines().get(0).generations().get(0).indices().get(0).importer();
        assertThat(importer.rate()).isEqualTo(225.0);
        assertThat(importer.etaSeconds()).as("caught up").isEqualTo(0.0);
    }

    @Test
    void aGroupThatCommittedNothingMeanwhileHasNoEtaAndOneThatWentBackNoRate() {
        PipelineStatus earlier = reading("2026-11-25T10:00:00Z", 600, 900, 0, 0, null, Set.of(), ALL_UP);
        PipelineStatus later = reading("2026-11-25T10:00:02Z", 600, 50, 0, 0, null, Set.of(), ALL_UP);

        PipelineStatus rated = later.withRates(earlier);

        GroupProgress stalled = rated.pipelines().get(0).generations().get(0).reembedder();
        assertThat(stalled.rate()).isEqualTo(0.0);
        assertThat(stalled.etaSeconds()).isNull();
        GroupProgress reset = rated.pipelines().get(0).generations().get(0).indices().get(0).importer();
        assertThat(reset.rate()).isNull();
        assertThat(reset.etaSeconds()).isNull();
    }

    @Test
    void lagAndRejectsAloneAreHealthy() {
        PipelineStatus lagging = reading("2026-11-25T10:00:00Z", 0, 0, 0, 0, "true", Set.of("memories"), ALL_UP);
        assertThat(lagging.problems()).isEmpty();
        assertThat(lagging.healthy()).isTrue();
    }

    @Test
    void aSilentClusterANonEmptyDeadLetterTopicOrAFailedVerifyBehindAnAliasIsUnhealthy() {
        List<Reachability> brokerDown = List.of(new Reachability(Cluster.KAFKA, "127.0.0.1:9092", false, "timed out"),
                ALL_UP.get(1), ALL_UP.get(2));
        assertThat(reading("2026-11-25T10:00:00Z", 0, 0, 0, 0, null, Set.of(), brokerDown).problems())
                .containsExactly("the Kafka broker at 127.0.0.1:9092 is not answering: timed out");
        assertThat(reading("2026-11-25T10:00:00Z", 0, 0, 3, 2, null, Set.of(), ALL_UP).problems()).containsExactly(
                "3 memories the model refused are in memories.dlq.m",
                "2 memories Elasticsearch refused for memories-m-1 are in memories.import-dlq.memories-m-1");
        assertThat(reading("2026-11-25T10:00:00Z", 0, 0, 0, 0, "false", Set.of("memories"), ALL_UP).problems())
                .containsExactly("alias memories points to memories-m-1, whose last verify failed");
        assertThat(reading("2026-11-25T10:00:00Z", 0, 0, 0, 0, "false", Set.of(), ALL_UP).healthy())
                .as("a failed verify on an index no reader uses").isTrue();
    }
}
