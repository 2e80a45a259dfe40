package io.memshift.control;

import io.memshift.clients.HttpAuth;
import io.memshift.clients.KafkaClients;
import io.memshift.clients.TlsTrust;
import io.memshift.clients.KafkaSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;

/**
 * Asks each cluster of a run, briefly and in its own protocol, whether it answers: Kafka a metadata request,
 * the registry {@code GET /subjects}, Elasticsearch {@code GET /_cluster/health}. What {@code status} shows, and
 * what {@link FailureDiagnosis} checks first when a stage stops.
 */
public final class ClusterProbe {

    /** The three clusters memshift uses, named as messages name them. */
    public enum Cluster {
        KAFKA("Kafka broker", "the Kafka broker"),
        SCHEMA_REGISTRY("schema registry", "the schema registry"),
        ELASTICSEARCH("Elasticsearch", "Elasticsearch");

        private final String label;
        private final String displayName;

        Cluster(String label, String displayName) {
            this.label = label;
            this.displayName = displayName;
        }

        /** Its name in a table: "Kafka broker", "schema registry", "Elasticsearch". */
        public String label() {
            return label;
        }

        /** Its name in a sentence: "the Kafka broker", "the schema registry", "Elasticsearch". */
        public String displayName() {
            return displayName;
        }
    }

    /**
     * What one cluster said.
     *
     * @param answering whether it answered at all (an answer refusing memshift's credentials is an answer)
     * @param problem   why it did not answer, or what its answer said when that was a refusal; null if it is fine
     */
    public record Reachability(Cluster cluster, String address, boolean answering, String problem) {

        public boolean fine() {
            return answering && problem == null;
        }
    }

    /**
     * Long enough for a busy machine: a new Kafka admin client's first answer took over 3 s on 2 cores shared
     * with a migration, and a cluster wrongly called silent would mislead more than a slow check.
     */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /** One client for every probe (a `status --watch` probes every few seconds); each request has its timeout. */
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(DEFAULT_TIMEOUT).build();

    private ClusterProbe() {
    }

    /** Each of the three, in the order Kafka, registry, Elasticsearch. */
    public static List<Reachability> probe(Clusters clusters, Duration timeout) {
        return List.of(kafka(clusters.kafka(), timeout),
                http(Cluster.SCHEMA_REGISTRY, clusters.schemaRegistry().url(), clusters.schemaRegistry().auth(),
                        clusters.schemaRegistry().tls(), "/subjects", timeout),
                http(Cluster.ELASTICSEARCH, clusters.elasticsearch().url(), clusters.elasticsearch().auth(),
                        clusters.elasticsearch().tls(), "/_cluster/health", timeout));
    }

    public static Reachability kafka(KafkaSettings kafka, Duration timeout) {
        String bootstrapServers = kafka.bootstrapServers();
        Properties props = new KafkaClients(kafka).adminConfig();
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        try (Admin admin = Admin.create(props)) {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis())).nodes()
                    .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            return new Reachability(Cluster.KAFKA, bootstrapServers, true, null);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof AuthenticationException || cause instanceof AuthorizationException) {
                return new Reachability(Cluster.KAFKA, bootstrapServers, true, cause.getMessage());
            }
            return new Reachability(Cluster.KAFKA, bootstrapServers, false, cause instanceof
                    org.apache.kafka.common.errors.TimeoutException ? noAnswer(timeout) : String.valueOf(cause.getMessage()));
        } catch (java.util.concurrent.TimeoutException e) {
            return new Reachability(Cluster.KAFKA, bootstrapServers, false, noAnswer(timeout));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reachability(Cluster.KAFKA, bootstrapServers, false, "interrupted");
        } catch (Exception e) {
            return new Reachability(Cluster.KAFKA, bootstrapServers, false, String.valueOf(e.getMessage()));
        }
    }

    static Reachability http(Cluster cluster, String baseUrl, String path, Duration timeout) {
        return http(cluster, baseUrl, HttpAuth.NONE, TlsTrust.SYSTEM, path, timeout);
    }

    /** As memshift reaches the cluster: with its credentials, trusting what its settings say. */
    static Reachability http(Cluster cluster, String baseUrl, HttpAuth auth, TlsTrust tls, String path, Duration timeout) {
        try {
            HttpClient client = baseUrl.startsWith("https:") && !tls.equals(TlsTrust.SYSTEM)
                    ? HttpClient.newBuilder().connectTimeout(DEFAULT_TIMEOUT).sslContext(tls.sslContext()).build() : HTTP;
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(timeout).GET();
            auth.authorizationHeader().ifPresent(value -> request.header("Authorization", value));
            HttpResponse<Void> response = client.send(request.build(), HttpResponse.BodyHandlers.discarding());
            int status = response.statusCode();
            if (status == 200) {
                return new Reachability(cluster, baseUrl, true, null);
            }
            return new Reachability(cluster, baseUrl, true, "GET " + path + " answered " + status
                    + (status == 401 || status == 403 ? " (memshift's credentials were refused)" : ""));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reachability(cluster, baseUrl, false, "interrupted");
        } catch (java.net.http.HttpConnectTimeoutException e) {
            return new Reachability(cluster, baseUrl, false, "no connection within " + timeout.toSeconds() + " s");
        } catch (java.net.http.HttpTimeoutException e) {
            return new Reachability(cluster, baseUrl, false, noAnswer(timeout));
        } catch (java.net.ConnectException e) {
            return new Reachability(cluster, baseUrl, false, "connection refused");
        } catch (Exception e) {
            String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            return new Reachability(cluster, baseUrl, false, why);
        }
    }

    private static String noAnswer(Duration timeout) {
        return "no answer within " + timeout.toSeconds() + " s";
    }
}
