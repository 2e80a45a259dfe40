package io.memshift.clients;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a Kafka cluster is and how to reach it: the brokers, and client properties that every client memshift
 * makes for this cluster carries (admin, producers, consumers, Streams). That is where a secured cluster's
 * settings go ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}) and any network tuning; see
 * {@link KafkaClients} for how they are merged.
 *
 * <p>The properties may not set what memshift's correctness rests on: the brokers (given on their own), the group,
 * transactional, application and static member ids, the isolation level, auto-commit, idempotence, acks and the
 * processing guarantee. Each stage sets those itself; a value given here would be overridden, so it is refused
 * rather than silently dropped.
 *
 * @param bootstrapServers the brokers, {@code host:port[,host:port...]}
 * @param clientProperties Kafka client properties for every client, by their Kafka names; may hold secrets,
 *                         which {@link #toString()} never shows
 */
public record KafkaSettings(String bootstrapServers, Map<String, String> clientProperties, TopicSettings topics) {

    private static final Pattern JAAS_USER = Pattern.compile("\\b(username|clientId)\\s*=\\s*\"([^\"]*)\"");

    /** Settings a stage owns; see the class comment. */
    static final Set<String> RESERVED = Set.of("bootstrap.servers", "group.id", "group.instance.id",
            "transactional.id", "application.id", "isolation.level", "enable.auto.commit", "enable.idempotence",
            "acks", "processing.guarantee");
    /** Streams' per-client prefixes: {@code producer.acks} is {@code acks} for Streams' producer. */
    private static final List<String> STREAMS_PREFIXES = List.of("main.consumer.", "restore.consumer.",
            "global.consumer.", "consumer.", "producer.", "admin.");

    public KafkaSettings {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("Kafka needs bootstrap servers (host:port[,host:port...])");
        }
        clientProperties = Map.copyOf(clientProperties == null ? Map.of() : clientProperties);
        topics = topics == null ? TopicSettings.DEFAULT : topics;
        for (String key : clientProperties.keySet()) {
            if (RESERVED.contains(unprefixed(key))) {
                throw new IllegalArgumentException("Kafka client property '" + key + "' is set by memshift itself"
                        + " for each client and cannot be given; memshift owns " + RESERVED.stream().sorted().toList());
            }
        }
    }

    /** A cluster whose topics memshift creates with {@link TopicSettings#DEFAULT}. */
    public KafkaSettings(String bootstrapServers, Map<String, String> clientProperties) {
        this(bootstrapServers, clientProperties, TopicSettings.DEFAULT);
    }

    /** A cluster reached with the client defaults (plain text, no authentication). */
    public static KafkaSettings of(String bootstrapServers) {
        return new KafkaSettings(bootstrapServers, Map.of());
    }

    /** These settings with one more client property. */
    public KafkaSettings with(String key, String value) {
        Map<String, String> more = new TreeMap<>(clientProperties);
        more.put(key, value);
        return new KafkaSettings(bootstrapServers, more, topics);
    }

    private static String unprefixed(String key) {
        for (String prefix : STREAMS_PREFIXES) {
            if (key.startsWith(prefix)) {
                return key.substring(prefix.length());
            }
        }
        return key;
    }

    /** The brokers and the names of the client properties; never their values, which may be passwords. */
    @Override
    public String toString() {
        return "KafkaSettings[bootstrapServers=" + bootstrapServers + ", clientProperties="
                + new TreeMap<>(clientProperties).keySet() + ", topics=" + topics + "]";
    }

    /**
     * The brokers and how memshift logs in, for messages: {@code b:9092 (SASL_SSL, SCRAM-SHA-512 as memshift)}.
     * The user is the JAAS line's {@code username} or {@code clientId}, never anything else of it.
     */
    public String describe() {
        return bootstrapServers + " (" + login() + ")";
    }

    /** The security protocol, SASL mechanism and user: {@code SASL_SSL, SCRAM-SHA-512 as memshift}. */
    public String login() {
        String protocol = clientProperties.getOrDefault("security.protocol", "PLAINTEXT");
        if (!protocol.startsWith("SASL_")) {
            return protocol;
        }
        String mechanism = clientProperties.getOrDefault("sasl.mechanism", "GSSAPI");
        Matcher user = JAAS_USER.matcher(clientProperties.getOrDefault("sasl.jaas.config", ""));
        return protocol + ", " + mechanism + (user.find() ? " as " + user.group(2) : "");
    }
}
