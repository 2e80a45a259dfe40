package io.memshift.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.memshift.control.ClusterProbe.Cluster;
import io.memshift.control.ClusterProbe.Reachability;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class FailureDiagnosisTest {

    private static final String KAFKA = "127.0.0.1:9092";
    private static final String REGISTRY = "http://127.0.0.1:8081/apis/ccompat/v7";
    private static final String ES = "http://127.0.0.1:9200";
    private static final Diagnosis.Recovery EMBEDDED = new Diagnosis.Recovery("./memshift migrate",
            EnumSet.allOf(Cluster.class), "/data/logs/memshift.log");
    private static final Diagnosis.Recovery EXTERNAL = new Diagnosis.Recovery("./memshift import", Set.of(), null);

    private static List<Reachability> probes(boolean kafka, boolean registry, boolean es) {
        return List.of(new Reachability(Cluster.KAFKA, KAFKA, kafka, kafka ? null : "Timed out waiting for a node"),
                new Reachability(Cluster.SCHEMA_REGISTRY, REGISTRY, registry, registry ? null : "Connection refused"),
                new Reachability(Cluster.ELASTICSEARCH, ES, es, es ? null : "Connection refused"));
    }

    @Test
    void aBrokerThatDoesNotAnswerIsTheCauseWhateverTheClientSaid() {
        Diagnosis diagnosis = FailureDiagnosis.classify("importer",
                new TimeoutException("Timeout of 60000ms expired before successfully committing offsets {x-0=1}"),
                probes(false, true, true));

        assertThat(diagnosis.cause()).isEqualTo(Diagnosis.Cause.CLUSTER_UNREACHABLE);
        assertThat(diagnosis.message()).isEqualTo("the importer stopped: the Kafka broker at 127.0.0.1:9092 is not"
                + " answering (Timeout of 60000ms expired before successfully committing offsets {x-0=1})");
        assertThat(diagnosis.nextStep(EMBEDDED)).isEqualTo("run `./memshift stack status`, then `./memshift stack up`"
                + " (it starts only what is down); then run `./memshift migrate` again with the same options: it"
                + " resumes exactly where it stopped.");
        assertThat(diagnosis.nextStep(EXTERNAL)).startsWith("check that the Kafka broker at 127.0.0.1:9092 is running"
                + " and reachable from this machine; then run `./memshift import` again");
        // A command that only reads has nothing to resume: it is simply run again.
        assertThat(diagnosis.nextStep(new Diagnosis.Recovery("./memshift verify", Set.of(), null, false)))
                .endsWith("then run `./memshift verify` again.");
    }

    @Test
    void everyClusterThatDoesNotAnswerIsNamed() {
        Diagnosis diagnosis = FailureDiagnosis.classify("re-embedder", new IllegalStateException("boom"),
                probes(false, false, false));

        assertThat(diagnosis.explanation()).isEqualTo("the Kafka broker at 127.0.0.1:9092, the schema registry at "
                + REGISTRY + " and Elasticsearch at " + ES + " are not answering");
        assertThat(diagnosis.clusters()).extracting(Reachability::cluster)
                .containsExactly(Cluster.KAFKA, Cluster.SCHEMA_REGISTRY, Cluster.ELASTICSEARCH);
    }

    @Test
    void aMissingKafkaPermissionNamesTheTopicOrGroup() {
        Diagnosis topic = FailureDiagnosis.classify("importer", new IllegalStateException("poll failed",
                new TopicAuthorizationException(Set.of("memories.embedded.x"))), probes(true, true, true));
        assertThat(topic.cause()).isEqualTo(Diagnosis.Cause.KAFKA_PERMISSION);
        assertThat(topic.explanation()).isEqualTo("memshift's Kafka principal is not allowed to use topic(s)"
                + " [memories.embedded.x]");
        assertThat(topic.nextStep(EXTERNAL)).contains("kafka-acls.sh");

        Diagnosis group = FailureDiagnosis.classify("importer",
                new GroupAuthorizationException("denied", "memshift-import-idx"), probes(true, true, true));
        assertThat(group.explanation()).endsWith("consumer group memshift-import-idx");
    }

    @Test
    void refusedCredentialsAreNotAnOutage() {
        Diagnosis diagnosis = FailureDiagnosis.classify("exporter",
                new RuntimeException(new SaslAuthenticationException("Authentication failed: Invalid username")),
                probes(true, true, true));
        assertThat(diagnosis.cause()).isEqualTo(Diagnosis.Cause.KAFKA_AUTHENTICATION);
        assertThat(diagnosis.explanation()).isEqualTo("the Kafka broker at 127.0.0.1:9092 refused memshift's credentials");
        assertThat(diagnosis.nextStep(EMBEDDED)).startsWith("check the Kafka client settings");
    }

    @Test
    void anyOtherErrorKeepsItsOwnMessageAndPointsAtTheLog() {
        Diagnosis diagnosis = FailureDiagnosis.classify("importer",
                new IllegalStateException("index x exists with 512-d vectors but the model makes 384-d ones"),
                probes(true, true, true));
        assertThat(diagnosis.cause()).isEqualTo(Diagnosis.Cause.OTHER);
        assertThat(diagnosis.message()).isEqualTo("the importer stopped: index x exists with 512-d vectors but the"
                + " model makes 384-d ones");
        assertThat(diagnosis.nextStep(EMBEDDED)).startsWith("see /data/logs/memshift.log for the whole error");
    }

    @Test
    void theDetailAddsTheRootCauseOnceAndIsShortened() {
        assertThat(FailureDiagnosis.detail(new IllegalStateException("cannot write",
                new java.io.IOException("Connection refused")))).isEqualTo("cannot write: Connection refused");
        assertThat(FailureDiagnosis.detail(new IllegalStateException("cannot write: Connection refused",
                new java.io.IOException("Connection refused")))).isEqualTo("cannot write: Connection refused");
        assertThat(FailureDiagnosis.detail(new IllegalStateException("x".repeat(1000)))).hasSize(304);
    }
}
