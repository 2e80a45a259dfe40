package io.memshift.control;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Why a stage stopped, in words a user can act on: which stage, the cause (which cluster does not answer, which
 * permission is missing), what the error itself said, and what to run next. Made by {@link FailureDiagnosis}.
 *
 * @param stage       the stage in messages: "importer", "re-embedder", "exporter", "migration"
 * @param cause       the kind of cause
 * @param explanation the cause in a sentence, e.g. "the Kafka broker at 127.0.0.1:9092 is not answering"
 * @param detail      what the error itself said (its root cause), shortened
 * @param clusters    the clusters concerned: the ones not answering, or the one that refused
 */
public record Diagnosis(String stage, Cause cause, String explanation, String detail,
                        List<ClusterProbe.Reachability> clusters) {

    /** The kinds of cause memshift tells apart; each has its own next step. */
    public enum Cause {
        /** A cluster does not answer at all. */
        CLUSTER_UNREACHABLE,
        /** The broker answered but refused memshift's principal an operation (an ACL). */
        KAFKA_PERMISSION,
        /** The broker refused memshift's credentials. */
        KAFKA_AUTHENTICATION,
        /** Elasticsearch refused the credentials (401) or an action (403). */
        ELASTICSEARCH_PERMISSION,
        /** Anything else: the error's own message is the explanation. */
        OTHER
    }

    /**
     * What the caller knows about how it runs, for the next step's wording.
     *
     * @param rerun    the command that resumes the work, e.g. {@code ./memshift migrate}
     * @param embedded the clusters that are memshift's embedded stack (started with {@code ./memshift stack up})
     * @param logFile  where the full error is logged, or null
     * @param resumes  whether the command does work that a rerun takes up where it stopped (migrate, export, the
     *                 stages); a command that only reads or moves an alias is simply run again
     */
    public record Recovery(String rerun, Set<ClusterProbe.Cluster> embedded, String logFile, boolean resumes) {

        public Recovery(String rerun, Set<ClusterProbe.Cluster> embedded, String logFile) {
            this(rerun, embedded, logFile, true);
        }
    }

    public Diagnosis {
        clusters = List.copyOf(clusters);
    }

    /** "the importer stopped: the Kafka broker at 127.0.0.1:9092 is not answering (Timeout of 60000ms ...)". */
    public String message() {
        String said = detail == null || detail.isBlank() || detail.equals(explanation) ? "" : " (" + detail + ")";
        return "the " + stage + " stopped: " + explanation + said;
    }

    /** What to run next: repair the cause, then run the same command again, which resumes where it stopped. */
    public String nextStep(Recovery recovery) {
        List<String> steps = new ArrayList<>();
        switch (cause) {
            case CLUSTER_UNREACHABLE -> {
                List<ClusterProbe.Reachability> embedded = clusters.stream()
                        .filter(c -> recovery.embedded().contains(c.cluster())).toList();
                List<ClusterProbe.Reachability> external = clusters.stream()
                        .filter(c -> !recovery.embedded().contains(c.cluster())).toList();
                if (!embedded.isEmpty()) {
                    steps.add("run `./memshift stack status`, then `./memshift stack up` (it starts only what is down)");
                }
                if (!external.isEmpty()) {
                    steps.add("check that " + external.stream().map(c -> c.cluster().displayName() + " at " + c.address())
                            .collect(Collectors.joining(" and ")) + " " + (external.size() == 1 ? "is" : "are")
                            + " running and reachable from this machine");
                }
            }
            case KAFKA_PERMISSION -> steps.add("grant memshift's Kafka principal that permission (e.g. with"
                    + " kafka-acls.sh --add --allow-principal User:<memshift's user> ...; readers need READ and DESCRIBE"
                    + " on their topics and group, writers WRITE, transactional writers WRITE on their transactional id)");
            case KAFKA_AUTHENTICATION -> steps.add("check the Kafka client settings (security.protocol, sasl.*, ssl.*)"
                    + " and the credentials they name");
            case ELASTICSEARCH_PERMISSION -> steps.add("give memshift's Elasticsearch user the index privileges"
                    + " create_index, manage, write and read on the target index and its alias");
            case OTHER -> steps.add(recovery.logFile() == null ? "fix the cause above"
                    : "see " + recovery.logFile() + " for the whole error, and fix its cause");
        }
        steps.add("then run `" + recovery.rerun() + "` again" + (recovery.resumes()
                ? " with the same options: it resumes exactly where it stopped" : ""));
        return String.join("; ", steps) + ".";
    }
}
