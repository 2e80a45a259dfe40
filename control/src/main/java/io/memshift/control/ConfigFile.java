package io.memshift.control;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.memshift.clients.ElasticsearchSettings;
import io.memshift.clients.HttpAuth;
import io.memshift.clients.KafkaSecurity;
import io.memshift.clients.Secret;
import io.memshift.clients.TlsTrust;
import io.memshift.clients.TopicSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * memshift's config file ({@code --config <file>}, YAML): the clusters and how to reach them, topic settings, and
 * defaults for command-line options. Every part is optional; what it leaves out comes from the command line or the
 * embedded stack (see {@link ClusterConfig}). Secrets appear only as references, {@code env:NAME} or
 * {@code file:/path}, resolved when the file is read; a secret written in place is refused.
 *
 * <pre>
 * kafka:
 *   bootstrap-servers: pkc-xxxxx.eu-west-1.aws.confluent.cloud:9092
 *   security-protocol: SASL_SSL            # PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL
 *   sasl:
 *     mechanism: PLAIN                     # PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512 | OAUTHBEARER
 *     username: ABCDEFGH
 *     password: env:KAFKA_API_SECRET
 *   tls: {ca-file: /etc/ssl/kafka-ca.pem}  # or certificate-file + key-file (mTLS), truststore/keystore files
 *   properties: {client.dns.lookup: use_all_dns_ips}
 *   properties-file: /etc/memshift/client.properties
 *   topics: {partitions: 6, replication-factor: 3, min-insync-replicas: 2}
 * schema-registry:
 *   url: https://psrc-xxxxx.eu-west-1.aws.confluent.cloud
 *   basic-auth: env:SCHEMA_REGISTRY_USER_INFO   # user:password; or username + password; or bearer-token
 * elasticsearch:
 *   cloud-id: my-deployment:ZXUtd2VzdC0x...     # or url
 *   api-key: file:/run/secrets/es-api-key       # or username + password; or bearer-token
 *   tls: {ca-fingerprint: "A1:B2:..."}          # or ca-file
 * mem0-elasticsearch:                          # a mem0-es: source's credentials, if not the target's
 *   username: reader
 *   password: env:MEM0_ES_PASSWORD
 * defaults: {model: "onnx:bge-small-en-v15", alias: memories}
 * </pre>
 *
 * @param path          the file, for messages
 * @param kafka         the kafka section, or null
 * @param schemaRegistry the schema-registry section, or null
 * @param elasticsearch the elasticsearch section, or null
 * @param mem0Elasticsearch the mem0-elasticsearch section (credentials and TLS of a {@code mem0-es:} source's
 *                      cluster), or null
 * @param defaults      option name (without dashes) to value, for the command line's options not given
 */
public record ConfigFile(Path path, Kafka kafka, Http schemaRegistry, Http elasticsearch, Http mem0Elasticsearch,
                         Map<String, String> defaults) {

    /**
     * @param bootstrapServers the brokers, or null
     * @param clientProperties Kafka client properties, secrets resolved
     * @param topics           topic settings, or null if the file has none
     * @param description      what {@code check} says of the security, no secret
     */
    public record Kafka(String bootstrapServers, Map<String, String> clientProperties, TopicSettings topics,
                        String description) {
    }

    /** An HTTP cluster's section: its URL (null if not given), credentials and trust. */
    public record Http(String url, HttpAuth auth, TlsTrust tls) {
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Map<String, Set<String>> FIELDS = Map.ofEntries(
            Map.entry("", Set.of("kafka", "schema-registry", "elasticsearch", "mem0-elasticsearch", "defaults")),
            Map.entry("kafka", Set.of("bootstrap-servers", "security-protocol", "sasl", "tls", "properties",
                    "properties-file", "topics")),
            Map.entry("kafka.sasl", Set.of("mechanism", "username", "password", "token-endpoint-url", "client-id",
                    "client-secret", "scope")),
            Map.entry("kafka.tls", Set.of("ca-file", "truststore-file", "truststore-password", "certificate-file",
                    "key-file", "key-password", "keystore-file", "keystore-password")),
            Map.entry("kafka.topics", Set.of("partitions", "replication-factor", "min-insync-replicas")),
            Map.entry("schema-registry", Set.of("url", "basic-auth", "username", "password", "bearer-token", "tls")),
            Map.entry("schema-registry.tls", Set.of("ca-file", "ca-fingerprint")),
            Map.entry("elasticsearch", Set.of("url", "cloud-id", "api-key", "username", "password", "bearer-token", "tls")),
            Map.entry("elasticsearch.tls", Set.of("ca-file", "ca-fingerprint")),
            Map.entry("mem0-elasticsearch", Set.of("api-key", "username", "password", "bearer-token", "tls")),
            Map.entry("mem0-elasticsearch.tls", Set.of("ca-file", "ca-fingerprint")));

    /** Reads {@code file}; every problem is an {@link InvalidRequestException} naming the file, line and field. */
    public static ConfigFile load(Path file) {
        return load(file, System::getenv);
    }

    static ConfigFile load(Path file, Function<String, String> environment) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InvalidRequestException("the config file " + file + " does not exist");
        } catch (IOException e) {
            throw new InvalidRequestException("cannot read the config file " + file + ": " + e.getMessage());
        }
        return parse(file, text, environment);
    }

    static ConfigFile parse(Path file, String text, Function<String, String> environment) {
        Map<String, Integer> lines = new HashMap<>();
        JsonNode root;
        try {
            lines.putAll(fieldLines(text));
            root = text.isBlank() ? YAML.createObjectNode() : YAML.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new InvalidRequestException(file + (at == null ? "" : ":" + at.getLineNr())
                    + ": not valid YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidRequestException("cannot read the config file " + file + ": " + e.getMessage());
        }
        if (root == null || root.isNull() || root.isMissingNode()) {
            root = YAML.createObjectNode();
        }
        Sections reader = new Sections(file, lines, environment);
        reader.checkFields("", root);
        try {
            return new ConfigFile(file, reader.kafka(root.get("kafka")), reader.http("schema-registry",
                    root.get("schema-registry")), reader.http("elasticsearch", root.get("elasticsearch")),
                    reader.http("mem0-elasticsearch", root.get("mem0-elasticsearch")), reader.defaults(root.get("defaults")));
        } catch (IllegalArgumentException e) {
            throw e instanceof InvalidRequestException ? e : new InvalidRequestException(file + ": " + e.getMessage());
        }
    }

    /** The line of each field, by its dotted path ({@code kafka.sasl.password}), for messages. */
    private static Map<String, Integer> fieldLines(String text) throws IOException {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser parser = YAML.getFactory().createParser(text)) {
            Deque<String> open = new ArrayDeque<>();
            String pending = null;
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                switch (token) {
                    case FIELD_NAME -> {
                        pending = parser.currentName();
                        StringBuilder path = new StringBuilder();
                        for (String part : open) {
                            if (!part.isEmpty()) {
                                path.append(part).append('.');
                            }
                        }
                        lines.putIfAbsent(path + pending, parser.currentTokenLocation().getLineNr());
                    }
                    case START_OBJECT, START_ARRAY -> {
                        open.addLast(pending == null ? "" : pending);
                        pending = null;
                    }
                    case END_OBJECT, END_ARRAY -> open.removeLast();
                    default -> pending = null;
                }
            }
        }
        return lines;
    }

    /** Reads sections, naming file, line and field in every problem. */
    private static final class Sections {
        private final Path file;
        private final Map<String, Integer> lines;
        private final Function<String, String> environment;

        Sections(Path file, Map<String, Integer> lines, Function<String, String> environment) {
            this.file = file;
            this.lines = lines;
            this.environment = environment;
        }

        InvalidRequestException problem(String field, String message) {
            Integer line = lines.get(field);
            return new InvalidRequestException(file + (line == null ? "" : ":" + line) + ": " + field + ": " + message);
        }

        void checkFields(String section, JsonNode node) {
            if (node == null || node.isNull()) {
                return;
            }
            String where = section.isEmpty() ? "the top level" : section;
            if (!node.isObject()) {
                throw problem(section, "must be a mapping of fields");
            }
            Set<String> known = FIELDS.get(section);
            for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                String path = section.isEmpty() ? name : section + "." + name;
                if (known != null && !known.contains(name)) {
                    throw problem(path, "is not a field of " + where + "; it has " + new java.util.TreeSet<>(known));
                }
                if (FIELDS.containsKey(path)) {
                    checkFields(path, node.get(name));
                }
            }
        }

        String text(JsonNode section, String path, String name) {
            JsonNode value = section == null ? null : section.get(name);
            if (value == null || value.isNull()) {
                return null;
            }
            if (!value.isValueNode()) {
                throw problem(path + "." + name, "must be a single value");
            }
            String text = value.asText().strip();
            return text.isEmpty() ? null : text;
        }

        Secret secret(JsonNode section, String path, String name) {
            String reference = text(section, path, name);
            if (reference == null) {
                return null;
            }
            String field = path + "." + name;
            try {
                return Secret.resolve(reference, field, environment);
            } catch (IllegalArgumentException e) {
                throw problem(field, e.getMessage().startsWith(field) ? e.getMessage().substring(field.length()).strip()
                        : e.getMessage());
            }
        }

        Path path(JsonNode section, String path, String name) {
            String text = text(section, path, name);
            if (text == null) {
                return null;
            }
            Path resolved = Path.of(text);
            if (!resolved.isAbsolute()) {
                // Relative to the config file, so that a file and its certificates can move together.
                Path base = file.toAbsolutePath().getParent();
                resolved = base == null ? resolved.toAbsolutePath() : base.resolve(resolved);
            }
            if (!Files.isRegularFile(resolved)) {
                throw problem(path + "." + name, "the file " + resolved + " does not exist");
            }
            return resolved.normalize();
        }

        Integer integer(JsonNode section, String path, String name) {
            JsonNode value = section == null ? null : section.get(name);
            if (value == null || value.isNull()) {
                return null;
            }
            if (!value.canConvertToInt() || !value.isIntegralNumber()) {
                throw problem(path + "." + name, "must be a whole number");
            }
            return value.asInt();
        }

        Kafka kafka(JsonNode section) {
            if (section == null || section.isNull()) {
                return null;
            }
            JsonNode saslNode = section.get("sasl");
            KafkaSecurity.Sasl sasl = null;
            if (saslNode != null && !saslNode.isNull()) {
                String mechanism = text(saslNode, "kafka.sasl", "mechanism");
                if (mechanism == null) {
                    throw problem("kafka.sasl", "needs a mechanism: one of " + KafkaSecurity.MECHANISMS);
                }
                try {
                    sasl = new KafkaSecurity.Sasl(mechanism, text(saslNode, "kafka.sasl", "username"),
                            secret(saslNode, "kafka.sasl", "password"),
                            text(saslNode, "kafka.sasl", "token-endpoint-url"),
                            text(saslNode, "kafka.sasl", "client-id"), secret(saslNode, "kafka.sasl", "client-secret"),
                            text(saslNode, "kafka.sasl", "scope"));
                } catch (IllegalArgumentException e) {
                    throw e instanceof InvalidRequestException ? e : problem("kafka.sasl", e.getMessage());
                }
            }
            JsonNode tlsNode = section.get("tls");
            KafkaSecurity.Tls tls = null;
            if (tlsNode != null && !tlsNode.isNull()) {
                String at = "kafka.tls";
                try {
                    tls = new KafkaSecurity.Tls(path(tlsNode, at, "ca-file"), path(tlsNode, at, "truststore-file"),
                            secret(tlsNode, at, "truststore-password"), path(tlsNode, at, "certificate-file"),
                            path(tlsNode, at, "key-file"), secret(tlsNode, at, "key-password"),
                            path(tlsNode, at, "keystore-file"), secret(tlsNode, at, "keystore-password"));
                } catch (IllegalArgumentException e) {
                    throw e instanceof InvalidRequestException ? e : problem(at, e.getMessage());
                }
            }
            KafkaSecurity security;
            try {
                security = new KafkaSecurity(text(section, "kafka", "security-protocol"), sasl, tls);
            } catch (IllegalArgumentException e) {
                throw problem("kafka.security-protocol", e.getMessage());
            }
            Map<String, String> props = new TreeMap<>();
            Path propertiesFile = path(section, "kafka", "properties-file");
            String bootstrap = text(section, "kafka", "bootstrap-servers");
            if (propertiesFile != null) {
                Map<String, String> fromFile = kafkaPropertiesFile(propertiesFile);
                String fileBootstrap = fromFile.remove("bootstrap.servers");
                bootstrap = bootstrap != null ? bootstrap : fileBootstrap;
                props.putAll(fromFile);
            }
            props.putAll(security.clientProperties());
            JsonNode properties = section.get("properties");
            if (properties != null && !properties.isNull()) {
                if (!properties.isObject()) {
                    throw problem("kafka.properties", "must be a mapping of Kafka client properties");
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> entry = it.next();
                    String field = "kafka.properties." + entry.getKey();
                    if (!entry.getValue().isValueNode()) {
                        throw problem(field, "must be a single value");
                    }
                    String value = entry.getValue().asText();
                    if (Secret.isReference(value)) {
                        value = secret(properties, "kafka.properties", entry.getKey()).reveal();
                    } else if (looksSecret(entry.getKey())) {
                        throw problem(field, "holds a secret: refer to it as env:NAME or file:/path (or put it in"
                                + " kafka.properties-file, a Kafka client properties file)");
                    }
                    props.put(entry.getKey(), value);
                }
            }
            TopicSettings topics = topics(section.get("topics"));
            return new Kafka(bootstrap, props, topics, security.describe());
        }

        TopicSettings topics(JsonNode section) {
            if (section == null || section.isNull()) {
                return null;
            }
            Integer partitions = integer(section, "kafka.topics", "partitions");
            Integer replication = integer(section, "kafka.topics", "replication-factor");
            Integer minIsr = integer(section, "kafka.topics", "min-insync-replicas");
            if (replication != null && replication > Short.MAX_VALUE) {
                throw problem("kafka.topics.replication-factor", "is too large");
            }
            try {
                return new TopicSettings(partitions == null ? TopicSettings.DEFAULT.partitions() : partitions,
                        replication == null ? null : replication.shortValue(), minIsr);
            } catch (IllegalArgumentException e) {
                throw problem("kafka.topics", e.getMessage());
            }
        }

        Http http(String name, JsonNode section) {
            if (section == null || section.isNull()) {
                return null;
            }
            String url = text(section, name, "url");
            if (name.equals("elasticsearch")) {
                String cloudId = text(section, name, "cloud-id");
                if (cloudId != null) {
                    if (url != null) {
                        throw problem(name + ".cloud-id", "give url or cloud-id, not both");
                    }
                    try {
                        url = ElasticsearchSettings.urlOfCloudId(cloudId);
                    } catch (IllegalArgumentException e) {
                        throw problem(name + ".cloud-id", e.getMessage());
                    }
                }
            }
            List<HttpAuth> auths = new ArrayList<>();
            Secret userInfo = secret(section, name, "basic-auth");
            if (userInfo != null) {
                try {
                    auths.add(HttpAuth.Basic.fromUserInfo(userInfo));
                } catch (IllegalArgumentException e) {
                    throw problem(name + ".basic-auth", e.getMessage());
                }
            }
            String user = text(section, name, "username");
            Secret password = secret(section, name, "password");
            if ((user == null) != (password == null)) {
                throw problem(name + "." + (user == null ? "password" : "username"), "needs "
                        + (user == null ? "username" : "password") + " beside it");
            }
            if (user != null) {
                try {
                    auths.add(new HttpAuth.Basic(user, password));
                } catch (IllegalArgumentException e) {
                    throw problem(name + ".username", e.getMessage());
                }
            }
            Secret token = secret(section, name, "bearer-token");
            if (token != null) {
                auths.add(new HttpAuth.Bearer(token));
            }
            Secret apiKey = secret(section, name, "api-key");
            if (apiKey != null) {
                auths.add(new HttpAuth.ApiKey(apiKey));
            }
            if (auths.size() > 1) {
                throw problem(name, "has " + auths.size() + " kinds of credentials; give one");
            }
            JsonNode tlsNode = section.get("tls");
            TlsTrust tls = TlsTrust.SYSTEM;
            if (tlsNode != null && !tlsNode.isNull()) {
                try {
                    tls = new TlsTrust(path(tlsNode, name + ".tls", "ca-file"), text(tlsNode, name + ".tls", "ca-fingerprint"));
                } catch (IllegalArgumentException e) {
                    throw e instanceof InvalidRequestException ? e : problem(name + ".tls", e.getMessage());
                }
            }
            return new Http(url, auths.isEmpty() ? HttpAuth.NONE : auths.get(0), tls);
        }

        Map<String, String> defaults(JsonNode section) {
            Map<String, String> defaults = new LinkedHashMap<>();
            if (section == null || section.isNull()) {
                return defaults;
            }
            if (!section.isObject()) {
                throw problem("defaults", "must be a mapping of option names (without --) to values");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = section.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                String name = entry.getKey().startsWith("--") ? entry.getKey().substring(2) : entry.getKey();
                if (!entry.getValue().isValueNode()) {
                    throw problem("defaults." + entry.getKey(), "must be a single value");
                }
                defaults.put(name, entry.getValue().asText());
            }
            return defaults;
        }
    }

    /** A Kafka client properties file, as Kafka's tools take with {@code --command-config}. */
    public static Map<String, String> kafkaPropertiesFile(Path file) {
        Properties props = new Properties();
        try (java.io.Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(reader);
        } catch (NoSuchFileException e) {
            throw new InvalidRequestException("the Kafka client properties file " + file + " does not exist");
        } catch (IOException e) {
            throw new InvalidRequestException("cannot read the Kafka client properties file " + file + ": "
                    + e.getMessage());
        }
        Map<String, String> map = new TreeMap<>();
        props.stringPropertyNames().forEach(name -> map.put(name, props.getProperty(name).strip()));
        return map;
    }

    /** Kafka client properties whose values are secrets, which the config file takes only by reference. */
    static boolean looksSecret(String key) {
        String name = key.toLowerCase(Locale.ROOT);
        return name.endsWith("password") || name.contains("secret") || name.endsWith("sasl.jaas.config")
                || name.endsWith("ssl.keystore.key") || name.endsWith("user.info")
                || (name.contains("token") && !name.contains("url") && !name.contains("class"));
    }

    /** For messages and {@code check}: the file name only. */
    @Override
    public String toString() {
        return "ConfigFile[" + path + "]";
    }

    /** An empty config: no file was given. */
    public static ConfigFile none() {
        return new ConfigFile(null, null, null, null, null, Map.of());
    }

}
