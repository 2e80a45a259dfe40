package io.memshift.control;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.transport.TransportException;
import io.memshift.schemas.Stage;
import io.memshift.schemas.StageFailedException;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.elasticsearch.client.ResponseException;

/**
 * The one place that says why a stage stopped. An error deep in a client ("Timeout of 60000ms expired before
 * successfully committing offsets") rarely names its cause; so first every cluster is asked whether it answers
 * ({@link ClusterProbe}), and a cluster that does not is the cause. Otherwise the error's chain is read for a
 * refusal: a Kafka ACL, Kafka credentials, an Elasticsearch 401/403. What remains keeps its own message. Used by
 * {@link Migration} and by the commands that run one stage.
 */
public final class FailureDiagnosis {

    private static final int MAX_DETAIL = 300;

    private FailureDiagnosis() {
    }

    /** Asks the clusters, then reads the error: why {@code stage} stopped with {@code failure}. */
    public static Diagnosis diagnose(Clusters clusters, String stage, Throwable failure) {
        return classify(stage, failure, ClusterProbe.probe(clusters, ClusterProbe.DEFAULT_TIMEOUT));
    }

    /**
     * {@link Stage#requireAlive()} for each stage, with a stage that stopped explained: throws
     * {@link StageStoppedException} instead of the bare {@link StageFailedException}.
     */
    public static void requireAlive(Clusters clusters, Stage... stages) {
        for (Stage stage : stages) {
            try {
                stage.requireAlive();
            } catch (StageFailedException e) {
                throw new StageStoppedException(diagnose(clusters, e.stage(), e.getCause()), e);
            }
        }
    }

    /**
     * An error that ended {@code stage}'s run, explained if it can be: a stopped stage always is; any other error
     * only when a cluster does not answer or refused, else it is returned as it is (its message is already the
     * best one, e.g. a bad index name).
     */
    public static RuntimeException explain(Clusters clusters, String stage, RuntimeException failure) {
        if (failure instanceof StageStoppedException) {
            return failure;
        }
        if (failure instanceof StageFailedException stopped) {
            return new StageStoppedException(diagnose(clusters, stopped.stage(), stopped.getCause()), stopped);
        }
        Diagnosis diagnosis = diagnose(clusters, stage, failure);
        return diagnosis.cause() == Diagnosis.Cause.OTHER ? failure : new StageStoppedException(diagnosis, failure);
    }

    /** A command's work against the clusters. */
    @FunctionalInterface
    public interface Work<T> {
        T run() throws java.io.IOException;
    }

    /**
     * Runs {@code work}; an error that is not about the request itself is {@link #explain explained}, so that a
     * cluster that does not answer is named with its address and what it said ("cannot check index x" alone named
     * neither). A refused request (bad input) is thrown as it is.
     */
    public static <T> T explaining(Clusters clusters, String command, Work<T> work) {
        try {
            return work.run();
        } catch (IllegalArgumentException | io.memshift.exporter.InvalidSourceException
                 | io.memshift.exporter.SourceUnavailableException refused) {
            throw refused;
        } catch (java.io.IOException e) {
            throw explain(clusters, command, new java.io.UncheckedIOException(e.getMessage(), e));
        } catch (RuntimeException e) {
            throw explain(clusters, command, e);
        }
    }

    /** The classification itself, given what the clusters answered: no I/O, so it is tested on its own. */
    static Diagnosis classify(String stage, Throwable failure, List<ClusterProbe.Reachability> probes) {
        String detail = detail(failure);
        List<ClusterProbe.Reachability> silent = probes.stream().filter(p -> !p.answering()).toList();
        if (!silent.isEmpty()) {
            return new Diagnosis(stage, Diagnosis.Cause.CLUSTER_UNREACHABLE, notAnswering(silent), detail, silent);
        }
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AuthorizationException denied) {
                return new Diagnosis(stage, Diagnosis.Cause.KAFKA_PERMISSION, kafkaPermission(denied), detail,
                        cluster(probes, ClusterProbe.Cluster.KAFKA));
            }
            if (t instanceof AuthenticationException) {
                return new Diagnosis(stage, Diagnosis.Cause.KAFKA_AUTHENTICATION,
                        "the Kafka broker at " + address(probes, ClusterProbe.Cluster.KAFKA)
                                + " refused memshift's credentials", detail, cluster(probes, ClusterProbe.Cluster.KAFKA));
            }
            int status = elasticsearchStatus(t);
            if (status == 401 || status == 403) {
                String es = address(probes, ClusterProbe.Cluster.ELASTICSEARCH);
                return new Diagnosis(stage, Diagnosis.Cause.ELASTICSEARCH_PERMISSION, status == 401
                        ? "Elasticsearch at " + es + " refused memshift's credentials (401)"
                        : "Elasticsearch at " + es + " refused memshift an action it needs (403)", detail,
                        cluster(probes, ClusterProbe.Cluster.ELASTICSEARCH));
            }
        }
        for (ClusterProbe.Reachability probe : probes) {
            if (!probe.fine()) {
                // It answers, but not as it should (a refusal, a 503): the likeliest cause of what failed.
                return new Diagnosis(stage, Diagnosis.Cause.OTHER, probe.cluster().displayName() + " at "
                        + probe.address() + " answers, but " + probe.problem(), detail, List.of(probe));
            }
        }
        return new Diagnosis(stage, Diagnosis.Cause.OTHER, detail, detail, List.of());
    }

    private static String notAnswering(List<ClusterProbe.Reachability> silent) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < silent.size(); i++) {
            ClusterProbe.Reachability probe = silent.get(i);
            text.append(i == 0 ? "" : i == silent.size() - 1 ? " and " : ", ")
                    .append(probe.cluster().displayName()).append(" at ").append(probe.address());
        }
        return text.append(silent.size() == 1 ? " is" : " are").append(" not answering").toString();
    }

    private static String kafkaPermission(AuthorizationException denied) {
        if (denied instanceof TopicAuthorizationException topics) {
            return "memshift's Kafka principal is not allowed to use topic(s) " + topics.unauthorizedTopics();
        }
        if (denied instanceof GroupAuthorizationException group) {
            return "memshift's Kafka principal is not allowed to use consumer group "
                    + (group.groupId() != null ? group.groupId() : "(see below)");
        }
        if (denied instanceof TransactionalIdAuthorizationException) {
            return "memshift's Kafka principal is not allowed to write with its transactional id";
        }
        if (denied instanceof ClusterAuthorizationException) {
            return "memshift's Kafka principal lacks a cluster permission (IDEMPOTENT_WRITE, or CREATE for topics)";
        }
        return "the Kafka broker refused memshift's principal an operation";
    }

    /** The HTTP status of an Elasticsearch client error, or -1 if {@code t} is none. */
    private static int elasticsearchStatus(Throwable t) {
        if (t instanceof ElasticsearchException es) {
            return es.status();
        }
        if (t instanceof TransportException transport) {
            return transport.statusCode();
        }
        if (t instanceof ResponseException response) {
            return response.getResponse().getStatusLine().getStatusCode();
        }
        return -1;
    }

    private static List<ClusterProbe.Reachability> cluster(List<ClusterProbe.Reachability> probes,
                                                           ClusterProbe.Cluster cluster) {
        return probes.stream().filter(p -> p.cluster() == cluster).toList();
    }

    private static String address(List<ClusterProbe.Reachability> probes, ClusterProbe.Cluster cluster) {
        return probes.stream().filter(p -> p.cluster() == cluster).map(ClusterProbe.Reachability::address)
                .findFirst().orElse("(unknown)");
    }

    /**
     * The error's message, followed by its root cause's when that is another exception whose message the first
     * does not already repeat; at most {@value #MAX_DETAIL} characters.
     */
    static String detail(Throwable failure) {
        if (failure == null) {
            return "";
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = failure.getMessage() != null ? failure.getMessage() : failure.getClass().getSimpleName();
        if (root != failure && root.getMessage() != null && !message.contains(root.getMessage())) {
            message = message + ": " + root.getMessage();
        }
        return message.length() <= MAX_DETAIL ? message : message.substring(0, MAX_DETAIL) + " ...";
    }
}
