package io.memshift.clients;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * How memshift authenticates to a Kafka cluster and which certificates it trusts, as a config file describes it,
 * turned into the Kafka client properties that {@link KafkaSettings} gives every client (admin, producers,
 * consumers, Streams): {@code security.protocol}, {@code sasl.*} and {@code ssl.*}. Secrets go only into
 * properties Kafka itself treats as passwords ({@code sasl.jaas.config}, {@code ssl.*.password},
 * {@code ssl.keystore.key}), which its clients never log.
 *
 * @param protocol PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL; null for what the rest implies (SASL_SSL with SASL,
 *                 SSL with TLS settings alone, else Kafka's default)
 * @param sasl     the SASL login, or null
 * @param tls      trust and client certificate, or null
 */
public record KafkaSecurity(String protocol, Sasl sasl, Tls tls) {

    public static final List<String> PROTOCOLS = List.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
    public static final List<String> MECHANISMS = List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER");
    /** Kafka 4 refuses to fetch OAuth tokens from any URL not listed in this system property. */
    static final String ALLOWED_TOKEN_URLS = "org.apache.kafka.sasl.oauthbearer.allowed.urls";

    public KafkaSecurity {
        if (protocol != null) {
            protocol = protocol.strip().toUpperCase(Locale.ROOT);
            if (!PROTOCOLS.contains(protocol)) {
                throw new IllegalArgumentException("security-protocol " + protocol + " is not one of " + PROTOCOLS);
            }
            if (sasl != null && !protocol.startsWith("SASL_")) {
                throw new IllegalArgumentException("a SASL login needs security-protocol SASL_SSL (or SASL_PLAINTEXT),"
                        + " not " + protocol);
            }
        }
    }

    /**
     * A SASL login. PLAIN and SCRAM take a user and password; OAUTHBEARER takes a client id and secret, fetching
     * tokens from the identity provider's token endpoint (client credentials grant).
     */
    public record Sasl(String mechanism, String username, Secret password, String tokenEndpointUrl, String clientId,
                       Secret clientSecret, String scope) {
        public Sasl {
            mechanism = mechanism == null ? null : mechanism.strip().toUpperCase(Locale.ROOT);
            if (!MECHANISMS.contains(mechanism)) {
                throw new IllegalArgumentException("SASL mechanism " + mechanism + " is not one of " + MECHANISMS);
            }
            if (mechanism.equals("OAUTHBEARER")) {
                require(tokenEndpointUrl, "token-endpoint-url", mechanism);
                require(clientId, "client-id", mechanism);
                require(clientSecret, "client-secret", mechanism);
            } else {
                require(username, "username", mechanism);
                require(password, "password", mechanism);
            }
        }

        public static Sasl login(String mechanism, String username, Secret password) {
            return new Sasl(mechanism, username, password, null, null, null, null);
        }

        public static Sasl oauth(String tokenEndpointUrl, String clientId, Secret clientSecret, String scope) {
            return new Sasl("OAUTHBEARER", null, null, tokenEndpointUrl, clientId, clientSecret, scope);
        }

        private static void require(Object value, String field, String mechanism) {
            if (value == null || (value instanceof String text && text.isBlank())) {
                throw new IllegalArgumentException("SASL " + mechanism + " needs " + field);
            }
        }

        String describe() {
            return mechanism.equals("OAUTHBEARER")
                    ? "OAUTHBEARER as client " + clientId + " (secret from " + clientSecret.origin() + ")"
                    : mechanism + " as " + username + " (password from " + password.origin() + ")";
        }
    }

    /**
     * TLS: the CA certificates to trust (a PEM file, or a truststore), and for mutual TLS a client certificate
     * (PEM certificate and key files, or a keystore). Every field may be null.
     */
    public record Tls(Path caFile, Path truststoreFile, Secret truststorePassword, Path certificateFile, Path keyFile,
                      Secret keyPassword, Path keystoreFile, Secret keystorePassword) {
        public Tls {
            if (caFile != null && truststoreFile != null) {
                throw new IllegalArgumentException("Kafka TLS: give ca-file or truststore-file, not both");
            }
            if ((certificateFile == null) != (keyFile == null)) {
                throw new IllegalArgumentException("Kafka TLS: a client certificate needs both certificate-file and"
                        + " key-file");
            }
            if (certificateFile != null && keystoreFile != null) {
                throw new IllegalArgumentException("Kafka TLS: give certificate-file and key-file, or keystore-file,"
                        + " not both");
            }
            if (keystoreFile != null && keystorePassword == null) {
                throw new IllegalArgumentException("Kafka TLS: keystore-file needs keystore-password");
            }
        }

        public static Tls trusting(Path caFile) {
            return new Tls(caFile, null, null, null, null, null, null, null);
        }

        boolean clientCertificate() {
            return certificateFile != null || keystoreFile != null;
        }
    }

    /** The client properties, secrets included (for the clients only; never print them). */
    public Map<String, String> clientProperties() {
        Map<String, String> props = new TreeMap<>();
        String effective = protocol != null ? protocol
                : sasl != null ? "SASL_SSL" : tls != null ? "SSL" : null;
        if (effective != null) {
            props.put("security.protocol", effective);
        }
        if (sasl != null) {
            props.put("sasl.mechanism", sasl.mechanism());
            switch (sasl.mechanism()) {
                case "PLAIN" -> props.put("sasl.jaas.config", jaas("org.apache.kafka.common.security.plain.PlainLoginModule",
                        "username", sasl.username(), "password", sasl.password().reveal()));
                case "SCRAM-SHA-256", "SCRAM-SHA-512" -> props.put("sasl.jaas.config",
                        jaas("org.apache.kafka.common.security.scram.ScramLoginModule",
                                "username", sasl.username(), "password", sasl.password().reveal()));
                default -> {
                    props.put("sasl.login.callback.handler.class",
                            "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler");
                    props.put("sasl.oauthbearer.token.endpoint.url", sasl.tokenEndpointUrl());
                    props.put("sasl.jaas.config", sasl.scope() == null
                            ? jaas("org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule",
                                    "clientId", sasl.clientId(), "clientSecret", sasl.clientSecret().reveal())
                            : jaas("org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule",
                                    "clientId", sasl.clientId(), "clientSecret", sasl.clientSecret().reveal(),
                                    "scope", sasl.scope()));
                    allowTokenEndpoint(sasl.tokenEndpointUrl());
                }
            }
        }
        if (tls != null) {
            if (tls.caFile() != null) {
                props.put("ssl.truststore.type", "PEM");
                props.put("ssl.truststore.location", tls.caFile().toAbsolutePath().toString());
            } else if (tls.truststoreFile() != null) {
                props.put("ssl.truststore.type", storeType(tls.truststoreFile()));
                props.put("ssl.truststore.location", tls.truststoreFile().toAbsolutePath().toString());
                if (tls.truststorePassword() != null) {
                    props.put("ssl.truststore.password", tls.truststorePassword().reveal());
                }
            }
            if (tls.certificateFile() != null) {
                // Given inline (Kafka's password-typed ssl.keystore.* values), not as a location: Kafka's PEM
                // keystore file must hold key and chain together, which users rarely have.
                props.put("ssl.keystore.type", "PEM");
                props.put("ssl.keystore.certificate.chain", read(tls.certificateFile(), "certificate-file"));
                props.put("ssl.keystore.key", read(tls.keyFile(), "key-file"));
                if (tls.keyPassword() != null) {
                    props.put("ssl.key.password", tls.keyPassword().reveal());
                }
            } else if (tls.keystoreFile() != null) {
                props.put("ssl.keystore.type", storeType(tls.keystoreFile()));
                props.put("ssl.keystore.location", tls.keystoreFile().toAbsolutePath().toString());
                props.put("ssl.keystore.password", tls.keystorePassword().reveal());
                props.put("ssl.key.password", (tls.keyPassword() != null ? tls.keyPassword() : tls.keystorePassword()).reveal());
            }
        }
        return props;
    }

    /** What {@code memshift check} says: protocol, login, trust, client certificate; no secret. */
    public String describe() {
        String effective = clientPropertiesProtocol();
        StringBuilder text = new StringBuilder(effective);
        if (sasl != null) {
            text.append(", SASL ").append(sasl.describe());
        }
        if (tls != null) {
            if (tls.caFile() != null) {
                text.append(", trusting the CA in ").append(tls.caFile());
            } else if (tls.truststoreFile() != null) {
                text.append(", trusting ").append(tls.truststoreFile());
            }
            if (tls.clientCertificate()) {
                text.append(", client certificate ")
                        .append(tls.certificateFile() != null ? tls.certificateFile() : tls.keystoreFile());
            }
        }
        return text.toString();
    }

    private String clientPropertiesProtocol() {
        return protocol != null ? protocol : sasl != null ? "SASL_SSL" : tls != null ? "SSL" : "PLAINTEXT";
    }

    /** A JAAS line; values are quoted, with {@code "} and {@code \} escaped as JAAS reads them. */
    static String jaas(String module, String... keyValues) {
        StringBuilder line = new StringBuilder(module).append(" required");
        for (int i = 0; i < keyValues.length; i += 2) {
            line.append(' ').append(keyValues[i]).append("=\"")
                    .append(keyValues[i + 1].replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return line.append(';').toString();
    }

    /** Adds {@code url} to the token endpoints Kafka's OAuth login may call in this JVM (Kafka 4 allows none by default). */
    static synchronized void allowTokenEndpoint(String url) {
        String current = System.getProperty(ALLOWED_TOKEN_URLS, "");
        Set<String> allowed = new LinkedHashSet<>();
        Arrays.stream(current.split(",")).map(String::strip).filter(s -> !s.isEmpty()).forEach(allowed::add);
        if (allowed.add(url)) {
            System.setProperty(ALLOWED_TOKEN_URLS, String.join(",", allowed));
        }
    }

    private static String storeType(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".jks") ? "JKS" : name.endsWith(".pem") ? "PEM" : "PKCS12";
    }

    private static String read(Path file, String field) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("Kafka TLS " + field + " " + file + " cannot be read: "
                    + e.getClass().getSimpleName());
        }
    }
}
