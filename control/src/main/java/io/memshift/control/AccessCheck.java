package io.memshift.control;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import com.fasterxml.jackson.databind.JsonNode;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.clients.KafkaClients;
import io.memshift.clients.KafkaSettings;
import io.memshift.clients.TlsProblems;
import io.memshift.clients.TlsTrust;
import io.memshift.importer.ImporterConfig;
import io.memshift.reembedder.Reembedder;
import io.memshift.schemas.DaemonThreads;
import io.memshift.schemas.Json;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.SchemaRegistryException;
import io.memshift.schemas.Pipeline;
import io.memshift.schemas.Topics;
import io.memshift.reembedder.VersionGate;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.ResponseException;
import org.elasticsearch.client.RestClient;

/**
 * What memshift can and cannot do on each cluster, asked before anything is written: log in; on Kafka create (or
 * use) the pipeline's topics, join its consumer groups, and use transactions; on the registry register the
 * schemas; on Elasticsearch create the index and point the alias at it. Every refusal is named with the permission
 * that is missing. {@code memshift check} prints the whole list; {@code migrate} stops at the first refusal,
 * before it writes anything ({@link #requireUsable}). The registry is asked last, and only to log in when something
 * else was refused, since its check registers a schema.
 *
 * <p>Nothing is left behind but what the migration itself would leave: topics are created with
 * {@code validateOnly}, the schema registered is the migration's own, the transaction probe's id
 * ({@value #PROBE_TRANSACTIONAL_ID}) only initialises, and an index probe (where Elasticsearch has no privileges
 * API to ask) is deleted again.
 */
public final class AccessCheck {

    /** A transactional id under memshift's prefix, initialised (never used to write) to see transactions work. */
    public static final String PROBE_TRANSACTIONAL_ID = "memshift-check";
    /** Kafka and Elasticsearch each get this long to answer one question. */
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    public enum Status { OK, MISSING, FAILED }

    /**
     * One capability on one cluster.
     *
     * @param cluster    e.g. {@code Kafka at b:9092}
     * @param capability what was tried: {@code log in}, {@code create topic memories}, ...
     * @param detail     for MISSING the permission to grant, for FAILED what went wrong; empty for OK
     */
    public record Finding(String cluster, String capability, Status status, String detail) {
        public boolean ok() {
            return status == Status.OK;
        }

        /** One line, as {@code migrate} reports a refusal. */
        public String sentence() {
            return cluster + (status == Status.MISSING ? " refused to " : " could not ") + capability + ": " + detail;
        }
    }

    /**
     * The names a run uses, and so the permissions it needs.
     *
     * @param topics   the topics it creates, reads and writes
     * @param groups   the consumer groups it joins (the re-embedder's application id is one)
     * @param subject  a registry subject it registers under
     * @param index    the index it creates
     * @param alias    the alias it moves, or null
     */
    public record Plan(List<String> topics, List<String> groups, String subject, String index, String alias) {

        /**
         * What {@code migrate} of {@code pipeline} with {@code modelId} into {@code index} (and {@code alias}) uses:
         * the pipeline's intake, log, embedded topic, dead letters and rejects, the import dead letters, the export
         * checkpoints and the pipeline registry ({@value Topics#PIPELINES}); the version gate's application id (its
         * consumer group, and the prefix of its transactional ids and changelog topic), the re-embedder's and the
         * importer's groups; the intake's value subject.
         */
        public static Plan migration(Pipeline pipeline, String modelId, String index, String alias) {
            return new Plan(List.of(pipeline.intake(), pipeline.log(), pipeline.embedded(modelId, 1),
                    pipeline.embedDeadLetters(modelId), pipeline.rejected(), Topics.importDlqTopicName(index),
                    Topics.EXPORT_CHECKPOINTS, Topics.PIPELINES, VersionGate.changelogTopic(pipeline)),
                    List.of(pipeline.gateApplicationId(), Reembedder.applicationId(pipeline.log(), modelId, 1),
                            ImporterConfig.groupIdFor(index)),
                    pipeline.intake() + "-value", index, alias);
        }
    }

    /** What a run found: every finding, in order. */
    public record Report(List<Finding> findings) {
        public boolean passed() {
            return findings.stream().allMatch(Finding::ok);
        }

        public List<Finding> refused() {
            return findings.stream().filter(f -> !f.ok()).toList();
        }
    }

    private AccessCheck() {
    }

    /** Asks every cluster everything {@code plan} needs; never throws for a refusal. */
    public static Report check(Clusters clusters, Plan plan) {
        // The questions go out at once (Kafka's admin requests, its transaction probe, Elasticsearch's), not one
        // after another: each is a round trip of its own, and in turn they took 1.6 to 1.9 s of every run's start.
        ExecutorService asking = Executors.newCachedThreadPool(DaemonThreads.named("memshift-access-check"));
        try {
            return check(clusters, plan, asking);
        } finally {
            asking.shutdownNow();
        }
    }

    private static Report check(Clusters clusters, Plan plan, ExecutorService asking) {
        List<Finding> findings = new ArrayList<>();
        List<Finding> elasticsearch = new ArrayList<>();
        CompletableFuture<Void> elasticsearchAsked = CompletableFuture.runAsync(
                () -> elasticsearch(clusters, plan, elasticsearch), asking);
        kafka(clusters.kafka(), plan, findings, asking);
        elasticsearchAsked.join();
        findings.addAll(elasticsearch);
        // Last: on success it registers the migration's schema, which a refusal elsewhere should not leave behind.
        if (findings.stream().allMatch(Finding::ok)) {
            registry(clusters, plan, findings);
        } else {
            registryLogin(clusters, findings);
        }
        return new Report(findings);
    }

    /**
     * Stops a run that would be refused, before it writes anything.
     *
     * @throws ClusterAccessException naming the cluster and what it refused (the first refusal, and how many more)
     */
    public static void requireUsable(Clusters clusters, Plan plan) {
        Report report = check(clusters, plan);
        List<Finding> refused = report.refused();
        if (!refused.isEmpty()) {
            throw new ClusterAccessException(refused.get(0).sentence() + (refused.size() > 1
                    ? " (and " + (refused.size() - 1) + " more; memshift check lists them)" : "")
                    + "; nothing was written");
        }
    }

    // ---------------------------------------------------------------- Kafka

    private static void kafka(KafkaSettings settings, Plan plan, List<Finding> findings, ExecutorService asking) {
        String cluster = "Kafka at " + settings.bootstrapServers();
        KafkaClients clients = new KafkaClients(settings);
        Properties props = clients.adminConfig();
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        try (Admin admin = Admin.create(props)) {
            try {
                admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) TIMEOUT.toMillis()))
                        .clusterId().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                findings.add(new Finding(cluster, "log in", Status.OK, ""));
            } catch (Exception e) {
                findings.add(loginFailure(cluster, settings, e));
                return;
            }
            CompletableFuture<Finding> transactions = CompletableFuture.supplyAsync(
                    () -> transactions(clients, cluster), asking);
            List<CompletableFuture<Finding>> answers = new ArrayList<>();
            for (String topic : plan.topics()) {
                answers.add(CompletableFuture.supplyAsync(() -> topic(admin, cluster, topic), asking));
            }
            for (String group : plan.groups()) {
                answers.add(CompletableFuture.supplyAsync(() -> group(admin, cluster, group), asking));
            }
            answers.add(transactions);
            // In the order asked, whatever order they come back in.
            answers.forEach(answer -> findings.add(answer.join()));
        } catch (RuntimeException e) {
            findings.add(new Finding(cluster, "log in", Status.FAILED, describe(e)));
        }
    }

    private static Finding loginFailure(String cluster, KafkaSettings settings, Exception e) {
        Throwable cause = unwrap(e);
        if (cause instanceof SslAuthenticationException) {
            String trust = settings.clientProperties().containsKey("ssl.truststore.location")
                    ? "the CA in " + settings.clientProperties().get("ssl.truststore.location") : "the JVM's trusted CAs";
            return new Finding(cluster, "connect over TLS", Status.FAILED, TlsProblems.isTls(cause)
                    ? "its TLS certificate is not trusted (trusting " + trust + "): " + rootMessage(cause)
                    : rootMessage(cause));
        }
        if (cause instanceof SaslAuthenticationException || cause instanceof AuthenticationException) {
            return new Finding(cluster, "log in", Status.MISSING, "the credentials were refused (" + settings.login()
                    + "): " + cause.getMessage());
        }
        if (cause instanceof AuthorizationException) {
            return new Finding(cluster, "describe the cluster", Status.MISSING, cause.getMessage());
        }
        if (cause instanceof java.util.concurrent.TimeoutException
                || cause instanceof org.apache.kafka.common.errors.TimeoutException) {
            return new Finding(cluster, "connect", Status.FAILED, "no answer within " + TIMEOUT.toSeconds() + " s ("
                    + settings.describe() + "); check the address, the port and security.protocol");
        }
        return new Finding(cluster, "log in", Status.FAILED, describe(cause));
    }

    private static Finding topic(Admin admin, String cluster, String topic) {
        try {
            TopicDescription description = admin.describeTopics(List.of(topic),
                            new DescribeTopicsOptions().includeAuthorizedOperations(true))
                    .allTopicNames().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(topic);
            Set<AclOperation> allowed = description.authorizedOperations();
            List<AclOperation> missing = allowed == null ? List.of() : List.of(AclOperation.READ, AclOperation.WRITE)
                    .stream().filter(op -> !allowed.contains(op) && !allowed.contains(AclOperation.ALL)).toList();
            return missing.isEmpty() ? new Finding(cluster, "read and write topic " + topic, Status.OK, "")
                    : new Finding(cluster, "read and write topic " + topic, Status.MISSING, missing + " on topic "
                    + topic + " (an ACL on the topic prefix " + Topics.aclPrefixOf(topic) + ")");
        } catch (Exception e) {
            Throwable cause = unwrap(e);
            if (cause instanceof UnknownTopicOrPartitionException) {
                return createTopic(admin, cluster, topic);
            }
            if (cause instanceof TopicAuthorizationException) {
                return new Finding(cluster, "use topic " + topic, Status.MISSING, "DESCRIBE, READ, WRITE and CREATE on"
                        + " topic " + topic + " (an ACL on the topic prefix " + Topics.aclPrefixOf(topic) + ")");
            }
            return new Finding(cluster, "use topic " + topic, Status.FAILED, describe(cause));
        }
    }

    private static Finding createTopic(Admin admin, String cluster, String topic) {
        try {
            admin.createTopics(List.of(new NewTopic(topic, java.util.Optional.empty(), java.util.Optional.empty())),
                    new CreateTopicsOptions().validateOnly(true)).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return new Finding(cluster, "create topic " + topic, Status.OK, "");
        } catch (Exception e) {
            Throwable cause = unwrap(e);
            if (cause instanceof TopicExistsException) {
                return new Finding(cluster, "create topic " + topic, Status.OK, "");
            }
            if (cause instanceof AuthorizationException) {
                return new Finding(cluster, "create topic " + topic, Status.MISSING, "CREATE on topic " + topic
                        + " (an ACL on the topic prefix " + Topics.aclPrefixOf(topic) + ")");
            }
            return new Finding(cluster, "create topic " + topic, Status.FAILED, describe(cause));
        }
    }

    private static Finding group(Admin admin, String cluster, String group) {
        String capability = "use consumer group " + group;
        try {
            ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group),
                            new DescribeConsumerGroupsOptions().includeAuthorizedOperations(true))
                    .all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(group);
            Set<AclOperation> allowed = description == null ? null : description.authorizedOperations();
            if (allowed != null && !allowed.isEmpty() && !allowed.contains(AclOperation.READ)
                    && !allowed.contains(AclOperation.ALL)) {
                return new Finding(cluster, capability, Status.MISSING, "READ on group " + group
                        + " (an ACL on the group prefix 'memshift-')");
            }
            return new Finding(cluster, capability, Status.OK, "");
        } catch (Exception e) {
            Throwable cause = unwrap(e);
            if (cause instanceof GroupIdNotFoundException) {
                // Asked about a group that does not exist yet: the broker answers so only to who may describe it.
                return new Finding(cluster, capability, Status.OK, "");
            }
            if (cause instanceof GroupAuthorizationException) {
                return new Finding(cluster, capability, Status.MISSING, "READ on group " + group
                        + " (an ACL on the group prefix 'memshift-')");
            }
            return new Finding(cluster, capability, Status.FAILED, describe(cause));
        }
    }

    private static Finding transactions(KafkaClients clients, String cluster) {
        String capability = "use transactions";
        Properties props = clients.transactionalProducerConfig(PROBE_TRANSACTIONAL_ID);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) TIMEOUT.toMillis());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.initTransactions();
            return new Finding(cluster, capability, Status.OK, "");
        } catch (Exception e) {
            Throwable cause = unwrap(e);
            if (cause instanceof TransactionalIdAuthorizationException) {
                return new Finding(cluster, capability, Status.MISSING, "WRITE and DESCRIBE on transactional id "
                        + PROBE_TRANSACTIONAL_ID + " (an ACL on the transactional id prefix 'memshift-')");
            }
            if (cause instanceof AuthorizationException) {
                return new Finding(cluster, capability, Status.MISSING, cause.getMessage());
            }
            return new Finding(cluster, capability, Status.FAILED, describe(cause));
        }
    }

    // ---------------------------------------------------------------- schema registry

    /** Only whether the registry lets memshift in: a read, for when something else is refused already. */
    private static void registryLogin(Clusters clusters, List<Finding> findings) {
        String cluster = "the schema registry at " + clusters.schemaRegistry().url();
        try {
            new SchemaRegistryClient(clusters.schemaRegistry()).compatibility(Topics.MEMORIES + "-value");
            findings.add(new Finding(cluster, "log in", Status.OK, ""));
        } catch (SchemaRegistryException e) {
            String message = e.getMessage();
            if (message.contains("(401)")) {
                findings.add(new Finding(cluster, "log in", Status.MISSING, "the credentials were refused ("
                        + clusters.schemaRegistry().auth().describe() + ")"));
            } else if (message.contains("not trusted")) {
                findings.add(new Finding(cluster, "connect over TLS", Status.FAILED,
                        message.substring(message.indexOf("its TLS certificate"))));
            } else if (message.startsWith("cannot reach")) {
                findings.add(new Finding(cluster, "connect", Status.FAILED, message.substring(message.indexOf(": ") + 2)));
            } else {
                // 404 (no config for the subject yet) and the like: it answered, so the login worked.
                findings.add(new Finding(cluster, "log in", Status.OK, ""));
            }
        }
    }

    private static void registry(Clusters clusters, Plan plan, List<Finding> findings) {
        String cluster = "the schema registry at " + clusters.schemaRegistry().url();
        String capability = "register schemas (subject " + plan.subject() + ")";
        try {
            new SchemaRegistryClient(clusters.schemaRegistry()).register(plan.subject(), MemoryEvent.getClassSchema());
            findings.add(new Finding(cluster, capability, Status.OK, ""));
        } catch (SchemaRegistryException e) {
            String message = e.getMessage();
            if (message.contains("(401)")) {
                findings.add(new Finding(cluster, "log in", Status.MISSING, "the credentials were refused ("
                        + clusters.schemaRegistry().auth().describe() + ")"));
            } else if (message.contains("(403")) {
                findings.add(new Finding(cluster, capability, Status.MISSING, "write access to subjects and their"
                        + " compatibility config (" + message.substring(message.indexOf("refused") + 8) + ")"));
            } else if (message.contains("not trusted")) {
                findings.add(new Finding(cluster, "connect over TLS", Status.FAILED,
                        message.substring(message.indexOf("its TLS certificate"))));
            } else {
                findings.add(new Finding(cluster, capability, Status.FAILED, message.startsWith("cannot reach")
                        ? message.substring(message.indexOf(": ") + 2) : message));
            }
        }
    }

    // ---------------------------------------------------------------- Elasticsearch

    private static void elasticsearch(Clusters clusters, Plan plan, List<Finding> findings) {
        String cluster = "Elasticsearch at " + clusters.elasticsearch().url();
        TlsTrust trust = clusters.elasticsearch().tls();
        try (ElasticsearchClient es = ElasticsearchClients.connect(clusters.elasticsearch())) {
            RestClient rest = ElasticsearchClients.lowLevel(es);
            int exists;
            try {
                exists = rest.performRequest(new Request("HEAD", "/" + plan.index())).getStatusLine().getStatusCode();
            } catch (ResponseException e) {
                exists = e.getResponse().getStatusLine().getStatusCode();
            }
            if (exists == 401) {
                findings.add(new Finding(cluster, "log in", Status.MISSING, "the credentials were refused ("
                        + clusters.elasticsearch().auth().describe() + ")"));
                return;
            }
            findings.add(new Finding(cluster, "log in", Status.OK, ""));
            indexPrivileges(rest, cluster, plan, findings);
        } catch (IOException | RuntimeException e) {
            findings.add(new Finding(cluster, "connect", Status.FAILED, TlsProblems.isTls(e)
                    ? TlsProblems.describe(e, trust) : describe(e)));
        }
    }

    private static void indexPrivileges(RestClient rest, String cluster, Plan plan, List<Finding> findings)
            throws IOException {
        List<String> names = plan.alias() == null ? List.of(plan.index()) : List.of(plan.index(), plan.alias());
        String capability = "create index " + plan.index() + (plan.alias() == null ? "" : " and move alias " + plan.alias());
        Request ask = new Request("POST", "/_security/user/_has_privileges");
        ask.setJsonEntity("{\"index\":[{\"names\":" + Json.MAPPER.writeValueAsString(names)
                + ",\"privileges\":[\"create_index\",\"index\",\"read\",\"view_index_metadata\",\"manage\"]}]}");
        Response answer;
        try {
            answer = rest.performRequest(ask);
        } catch (ResponseException e) {
            int status = e.getResponse().getStatusLine().getStatusCode();
            if (status == 403) {
                findings.add(new Finding(cluster, capability, Status.MISSING, "the user may not even ask for its"
                        + " privileges (403)"));
                return;
            }
            // No security API (security off, or a proxy in front of a node without it): try it for real.
            probe(rest, cluster, capability, plan, findings);
            return;
        }
        JsonNode index = Json.MAPPER.readTree(answer.getEntity().getContent()).path("index");
        List<String> missing = new ArrayList<>();
        for (String name : names) {
            index.path(name).fields().forEachRemaining(privilege -> {
                if (!privilege.getValue().asBoolean()) {
                    missing.add(privilege.getKey() + " on " + name);
                }
            });
        }
        findings.add(missing.isEmpty() ? new Finding(cluster, capability, Status.OK, "")
                : new Finding(cluster, capability, Status.MISSING, "index privileges " + missing));
    }

    /** Creates an index and an alias named after the plan's (so the same privileges cover them), then deletes them. */
    private static void probe(RestClient rest, String cluster, String capability, Plan plan, List<Finding> findings)
            throws IOException {
        String index = plan.index() + "-memshift-check";
        String alias = (plan.alias() == null ? plan.index() : plan.alias()) + "-memshift-check-alias";
        try {
            Request create = new Request("PUT", "/" + index);
            create.setJsonEntity("{\"settings\":{\"number_of_shards\":1,\"number_of_replicas\":0}}");
            rest.performRequest(create);
            Request aliases = new Request("POST", "/_aliases");
            aliases.setJsonEntity("{\"actions\":[{\"add\":{\"index\":" + Json.MAPPER.writeValueAsString(index)
                    + ",\"alias\":" + Json.MAPPER.writeValueAsString(alias) + "}}]}");
            rest.performRequest(aliases);
            findings.add(new Finding(cluster, capability, Status.OK, ""));
        } catch (ResponseException e) {
            int status = e.getResponse().getStatusLine().getStatusCode();
            findings.add(new Finding(cluster, capability, status == 403 ? Status.MISSING : Status.FAILED,
                    "creating the probe index " + index + " and alias " + alias + " answered " + status));
        } finally {
            try {
                rest.performRequest(new Request("DELETE", "/" + index + "?ignore_unavailable=true"));
            } catch (ResponseException ignored) {
                // reported above if it matters: creating it failed
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    /** The error under the futures' and Kafka's plain wrappers: what the cluster actually said. */
    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && (t instanceof ExecutionException
                || t instanceof java.util.concurrent.CompletionException
                || t.getClass() == org.apache.kafka.common.KafkaException.class)) {
            t = t.getCause();
        }
        return t;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    private static String describe(Throwable e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    /** The findings in the order of the clusters, for printing. */
    public static Map<String, List<Finding>> byCluster(Collection<Finding> findings) {
        Map<String, List<Finding>> grouped = new java.util.LinkedHashMap<>();
        findings.forEach(f -> grouped.computeIfAbsent(f.cluster(), c -> new ArrayList<>()).add(f));
        return grouped;
    }
}
