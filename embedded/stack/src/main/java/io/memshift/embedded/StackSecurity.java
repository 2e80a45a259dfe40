package io.memshift.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.Writer;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * What makes an embedded stack a secured one ({@code stack up --secure}): a CA and the servers' certificate, the
 * users and their secrets, all generated once under {@code <stack data>/secure} and kept with the data they
 * protect (Kafka stores its SCRAM users and ACLs in its own log, so new passwords would lock the old data out).
 *
 * <ul>
 *   <li>Kafka: the client listener is SASL_SSL with SCRAM-SHA-512. {@value #KAFKA_ADMIN} is the only super user
 *       (the broker's own inter-broker identity); {@value #KAFKA_USER} is an ordinary user whose ACLs are exactly
 *       those a pipeline needs ({@link #pipelineAclsDescription()}). The controller listener is TLS with client
 *       certificates, so only the broker itself, holding the stack's certificate, reaches it.</li>
 *   <li>The schema registry and Elasticsearch listen on loopback ports of their own, plain; clients reach them
 *       through {@link TlsGateway}, which checks a user and password ({@value #HTTP_USER}), an Elasticsearch API
 *       key or a bearer token, then forwards.</li>
 * </ul>
 *
 * Every secret is a file of its own, readable by the owner only, and the config file the stack writes refers to
 * those files ({@code file:/path}); no secret is ever printed.
 */
public final class StackSecurity {

    /** Kafka's super user: the broker's inter-broker identity and the stack's own admin (ACLs, readiness). */
    public static final String KAFKA_ADMIN = "admin";
    /** The Kafka user memshift runs as, with the pipeline's ACLs only. */
    public static final String KAFKA_USER = "memshift";
    /** The user of the registry and Elasticsearch behind the gateway. */
    public static final String HTTP_USER = "memshift";
    public static final String SASL_MECHANISM = "SCRAM-SHA-512";
    /** The stack's certificate subject, and so the broker's principal on the controller listener. */
    static final String SERVER_SUBJECT = "CN=memshift-stack";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private final Path dir;

    private StackSecurity(Path dir) {
        this.dir = dir;
    }

    /** The stack of {@code stackDir} is a secured one if it has this folder. */
    public static Optional<StackSecurity> find(Path stackDir) {
        Path dir = stackDir.toAbsolutePath().normalize().resolve("secure");
        return Files.isRegularFile(dir.resolve("ca.pem")) ? Optional.of(new StackSecurity(dir)) : Optional.empty();
    }

    /** The security of {@code stackDir}, generated now if it has none yet. */
    public static StackSecurity ensure(Path stackDir) {
        Optional<StackSecurity> found = find(stackDir);
        if (found.isPresent()) {
            return found.get();
        }
        Path dir = stackDir.toAbsolutePath().normalize().resolve("secure");
        try {
            Files.createDirectories(dir.resolve("credentials"));
            generate(dir);
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new StackException("cannot generate the secure stack's certificates and credentials under " + dir
                    + ": " + e.getMessage(), e);
        }
        return new StackSecurity(dir);
    }

    private static void generate(Path dir) throws IOException, GeneralSecurityException, OperatorCreationException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        KeyPair caKeys = generator.generateKeyPair();
        KeyPair serverKeys = generator.generateKeyPair();
        Instant now = Instant.now();
        Date notBefore = Date.from(now.minus(Duration.ofHours(1)));
        Date notAfter = Date.from(now.plus(Duration.ofDays(825)));
        JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();

        X500Name caName = new X500Name("CN=memshift embedded stack CA " + now.getEpochSecond());
        X509v3CertificateBuilder ca = new JcaX509v3CertificateBuilder(caName, serial(), notBefore, notAfter, caName,
                caKeys.getPublic());
        ca.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        ca.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        ca.addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(caKeys.getPublic()));
        ContentSigner caSigner = new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate());
        X509Certificate caCert = new JcaX509CertificateConverter().getCertificate(ca.build(caSigner));

        // One certificate for every server of the stack: all listen on the loopback address only.
        X509v3CertificateBuilder server = new JcaX509v3CertificateBuilder(caName, serial(), notBefore, notAfter,
                new X500Name(SERVER_SUBJECT), serverKeys.getPublic());
        server.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        server.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
        // clientAuth too: the broker shows it to its own controller listener.
        server.addExtension(Extension.extendedKeyUsage, false,
                new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
        server.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
        server.addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(caCert));
        X509Certificate serverCert = new JcaX509CertificateConverter().getCertificate(server.build(caSigner));

        String keystorePassword = randomText(32);
        KeyStore keystore = KeyStore.getInstance("PKCS12");
        keystore.load(null, null);
        keystore.setKeyEntry("memshift-stack", serverKeys.getPrivate(), keystorePassword.toCharArray(),
                new Certificate[] {serverCert, caCert});
        try (OutputStream out = Files.newOutputStream(dir.resolve("server.p12"))) {
            keystore.store(out, keystorePassword.toCharArray());
        }
        ownerOnly(dir.resolve("server.p12"));
        writeSecret(dir.resolve("server.p12.password"), keystorePassword);
        // The CA's key is not kept: nothing else is ever issued, so nothing can be.

        Path credentials = dir.resolve("credentials");
        writeSecret(credentials.resolve("kafka-admin.password"), randomText(24));
        writeSecret(credentials.resolve("kafka-memshift.password"), randomText(24));
        String httpPassword = randomText(24);
        writeSecret(credentials.resolve("http-memshift.password"), httpPassword);
        // Confluent's basic.auth.user.info form, as a registry client configuration holds it.
        writeSecret(credentials.resolve("registry-user-info"), HTTP_USER + ":" + httpPassword);
        // An Elasticsearch API key as Elasticsearch hands it out: base64 of "<id>:<key>" (its "encoded" form).
        String apiKey = randomText(20) + ":" + randomText(22);
        writeSecret(credentials.resolve("es-api-key"),
                Base64.getEncoder().encodeToString(apiKey.getBytes(StandardCharsets.UTF_8)));
        writeSecret(credentials.resolve("bearer-token"), randomText(40));
        // Last: its presence is what marks the folder as complete (see find).
        Files.writeString(dir.resolve("ca.pem"), pem("CERTIFICATE", caCert.getEncoded()), StandardCharsets.UTF_8);
    }

    public Path dir() {
        return dir;
    }

    /** The CA every server certificate of the stack is issued by (PEM). */
    public Path caCertificate() {
        return dir.resolve("ca.pem");
    }

    /** The memshift config file of this stack, written at each start with its current ports. */
    public Path configFile() {
        return dir.resolve("memshift.yaml");
    }

    /** The file holding the password of a Kafka user of the stack ({@value #KAFKA_ADMIN} or {@value #KAFKA_USER}). */
    public Path kafkaPasswordFile(String user) {
        return dir.resolve("credentials").resolve("kafka-" + user + ".password");
    }

    public Path httpPasswordFile() {
        return dir.resolve("credentials").resolve("http-memshift.password");
    }

    /** {@code memshift:<password>}, the registry's basic auth in Confluent's {@code basic.auth.user.info} form. */
    public Path registryUserInfoFile() {
        return dir.resolve("credentials").resolve("registry-user-info");
    }

    public Path elasticsearchApiKeyFile() {
        return dir.resolve("credentials").resolve("es-api-key");
    }

    public Path bearerTokenFile() {
        return dir.resolve("credentials").resolve("bearer-token");
    }

    /** The servers' PKCS12 keystore (key and certificate for localhost and 127.0.0.1, with the CA). */
    public Path keystore() {
        return dir.resolve("server.p12");
    }

    public String keystorePassword() {
        return read(dir.resolve("server.p12.password"));
    }

    /** Every secret of the stack, e.g. for a test that checks none of them ever shows. */
    public List<String> secrets() {
        return List.of(read(kafkaPasswordFile(KAFKA_ADMIN)), read(kafkaPasswordFile(KAFKA_USER)),
                read(httpPasswordFile()), read(elasticsearchApiKeyFile()), apiKeyPart(read(elasticsearchApiKeyFile())),
                read(bearerTokenFile()), keystorePassword());
    }

    /** The key half of an encoded API key ("id:key" in base64). */
    private static String apiKeyPart(String encoded) {
        String decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        return decoded.substring(decoded.indexOf(':') + 1);
    }

    /** The Kafka client properties of {@code user} on this stack: SASL_SSL, SCRAM-SHA-512, the stack's CA. */
    public Map<String, String> kafkaClientProperties(String user) {
        Map<String, String> props = new TreeMap<>();
        props.put("security.protocol", "SASL_SSL");
        props.put("sasl.mechanism", SASL_MECHANISM);
        props.put("sasl.jaas.config", scramJaas(user, read(kafkaPasswordFile(user))));
        props.put("ssl.truststore.type", "PEM");
        props.put("ssl.truststore.location", caCertificate().toString());
        return props;
    }

    /**
     * Free loopback ports for the registry and Elasticsearch themselves, behind the gateway on {@code published}'s;
     * recorded, so that a server restarted alone comes back where the gateway looks for it.
     */
    StackPorts chooseInnerPorts(StackPorts published) {
        StackPorts free = StackPorts.free();
        Properties props = new Properties();
        props.setProperty("port.registry", Integer.toString(free.schemaRegistry()));
        props.setProperty("port.elasticsearch", Integer.toString(free.elasticsearch()));
        try (Writer writer = Files.newBufferedWriter(dir.resolve("inner-ports.properties"), StandardCharsets.UTF_8)) {
            props.store(writer, "where the registry and Elasticsearch listen behind the TLS gateway");
        } catch (IOException e) {
            throw new StackException("cannot write " + dir.resolve("inner-ports.properties"), e);
        }
        return innerPorts(published);
    }

    /** The ports {@link #chooseInnerPorts} chose, with {@code published}'s Kafka ports. */
    StackPorts innerPorts(StackPorts published) {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(dir.resolve("inner-ports.properties"), StandardCharsets.UTF_8)) {
            props.load(reader);
        } catch (IOException e) {
            throw new StackException("cannot read " + dir.resolve("inner-ports.properties"), e);
        }
        return new StackPorts(published.kafka(), published.kafkaController(),
                Integer.parseInt(props.getProperty("port.registry")), Integer.parseInt(props.getProperty("port.elasticsearch")));
    }

    /**
     * Grants {@value #KAFKA_USER} the pipeline's ACLs ({@link #pipelineAclsDescription()}), as the super user.
     * Creating an ACL that exists changes nothing, so this runs at every start.
     */
    void grantPipelineAcls(String bootstrapServers) {
        Properties props = new Properties();
        props.putAll(kafkaClientProperties(KAFKA_ADMIN));
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(props)) {
            admin.createAcls(pipelineAcls("User:" + KAFKA_USER)).all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new StackException("cannot grant " + KAFKA_USER + " its ACLs on the secured broker: " + e.getMessage(), e);
        }
    }

    /** The ACL bindings of {@link #pipelineAclsDescription()} for {@code principal}. */
    public static List<AclBinding> pipelineAcls(String principal) {
        List<AclBinding> acls = new ArrayList<>();
        for (String prefix : List.of("memories", "memshift")) {
            for (AclOperation operation : List.of(AclOperation.CREATE, AclOperation.DESCRIBE,
                    AclOperation.DESCRIBE_CONFIGS, AclOperation.READ, AclOperation.WRITE)) {
                acls.add(allow(principal, ResourceType.TOPIC, prefix, operation));
            }
        }
        acls.add(allow(principal, ResourceType.GROUP, "memshift-", AclOperation.READ));
        acls.add(allow(principal, ResourceType.TRANSACTIONAL_ID, "memshift-", AclOperation.DESCRIBE));
        acls.add(allow(principal, ResourceType.TRANSACTIONAL_ID, "memshift-", AclOperation.WRITE));
        return acls;
    }

    private static AclBinding allow(String principal, ResourceType type, String prefix, AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, prefix, PatternType.PREFIXED),
                new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW));
    }

    /** The lines a secured broker adds to its server.properties. */
    String brokerProperties(StackPorts ports) {
        return String.join("\n",
                "listeners=SASL_SSL://127.0.0.1:" + ports.kafka() + ",CONTROLLER://127.0.0.1:" + ports.kafkaController(),
                "advertised.listeners=SASL_SSL://127.0.0.1:" + ports.kafka(),
                "inter.broker.listener.name=SASL_SSL",
                "listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SSL",
                "sasl.enabled.mechanisms=" + SASL_MECHANISM,
                "sasl.mechanism.inter.broker.protocol=" + SASL_MECHANISM,
                "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config="
                        + scramJaas(KAFKA_ADMIN, read(kafkaPasswordFile(KAFKA_ADMIN))),
                "ssl.keystore.type=PKCS12",
                "ssl.keystore.location=" + keystore(),
                "ssl.keystore.password=" + keystorePassword(),
                "ssl.key.password=" + keystorePassword(),
                "ssl.truststore.type=PEM",
                "ssl.truststore.location=" + caCertificate(),
                // Only the holder of the stack's certificate (the broker itself) reaches the controller.
                "listener.name.controller.ssl.client.auth=required",
                "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "super.users=User:" + KAFKA_ADMIN + ";User:" + SERVER_SUBJECT,
                "allow.everyone.if.no.acl.found=false",
                "");
    }

    /** The SCRAM users to create when the broker's storage is formatted (KRaft has no ZooKeeper to add them to). */
    List<String> scramFormatArguments() {
        return List.of(
                "--add-scram", SASL_MECHANISM + "=[name=" + KAFKA_ADMIN + ",password=" + read(kafkaPasswordFile(KAFKA_ADMIN)) + "]",
                "--add-scram", SASL_MECHANISM + "=[name=" + KAFKA_USER + ",password=" + read(kafkaPasswordFile(KAFKA_USER)) + "]");
    }

    /** What the gateway accepts: credential hashes only, never the secrets themselves. */
    String gatewayProperties(int registryPort, int registryTarget, int elasticsearchPort, int elasticsearchTarget) {
        String apiKey = new String(Base64.getDecoder().decode(read(elasticsearchApiKeyFile())), StandardCharsets.UTF_8);
        int colon = apiKey.indexOf(':');
        return String.join("\n",
                "keystore=" + keystore(),
                "keystore.password.file=" + dir.resolve("server.p12.password"),
                "route.registry.name=schema registry",
                "route.registry.port=" + registryPort,
                "route.registry.target=http://127.0.0.1:" + registryTarget,
                "route.registry.style=confluent",
                "route.elasticsearch.name=Elasticsearch",
                "route.elasticsearch.port=" + elasticsearchPort,
                "route.elasticsearch.target=http://127.0.0.1:" + elasticsearchTarget,
                "route.elasticsearch.style=elasticsearch",
                "basic." + HTTP_USER + "=" + TlsGateway.sha256(read(httpPasswordFile())),
                "apikey." + apiKey.substring(0, colon) + "=" + TlsGateway.sha256(apiKey.substring(colon + 1)),
                "bearer=" + TlsGateway.sha256(read(bearerTokenFile())),
                "");
    }

    /**
     * The memshift config file of this stack: where each cluster is and the credentials, by reference to the
     * files above. Kafka as {@value #KAFKA_USER}, the registry with basic auth, Elasticsearch with the API key.
     */
    Path writeConfigFile(StackEndpoints endpoints) {
        String text = String.join("\n",
                "# Written by `memshift stack up --secure`: this secured embedded stack. Secrets are referred to, never written here.",
                "kafka:",
                "  bootstrap-servers: " + endpoints.bootstrapServers(),
                "  security-protocol: SASL_SSL",
                "  sasl:",
                "    mechanism: " + SASL_MECHANISM,
                "    username: " + KAFKA_USER,
                "    password: file:" + kafkaPasswordFile(KAFKA_USER),
                "  tls:",
                "    ca-file: " + caCertificate(),
                "schema-registry:",
                "  url: " + endpoints.schemaRegistryUrl(),
                "  basic-auth: file:" + registryUserInfoFile(),
                "  tls:",
                "    ca-file: " + caCertificate(),
                "elasticsearch:",
                "  url: " + endpoints.elasticsearchUrl(),
                "  api-key: file:" + elasticsearchApiKeyFile(),
                "  tls:",
                "    ca-file: " + caCertificate(),
                "");
        try {
            Files.writeString(configFile(), text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StackException("cannot write " + configFile(), e);
        }
        return configFile();
    }

    /** A TLS context that trusts the stack's CA only. */
    public SSLContext sslContext() {
        try (InputStream in = Files.newInputStream(caCertificate())) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("memshift-stack-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), RANDOM);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new StackException("cannot load the stack's CA from " + caCertificate(), e);
        }
    }

    /** True if {@code url} answers 200 to the stack's HTTP user over TLS (through the gateway). */
    boolean httpsOk(String url) {
        HttpClient http = HttpClient.newBuilder().sslContext(sslContext()).connectTimeout(Duration.ofSeconds(2)).build();
        String basic = Base64.getEncoder().encodeToString((HTTP_USER + ":" + read(httpPasswordFile()))
                .getBytes(StandardCharsets.UTF_8));
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2))
                    .header("Authorization", "Basic " + basic).GET().build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The ACLs of {@value #KAFKA_USER}: what README's "Kafka ACLs" section lists, granted here so that the stack
     * proves the list is enough. Resource patterns are prefixes: {@code memories} covers the memory topics
     * ({@code memories}, {@code memories.embedded.*}, {@code memories.dlq.*}, {@code memories.import-dlq.*},
     * {@code memories.rejected}) and every pipeline's ({@code memories.<pipeline>}, its {@code .intake},
     * {@code .embedded.*}, {@code .dlq.*}, {@code .rejected}); {@code memshift} the checkpoints, the pipeline registry
     * {@code memshift.pipelines}, and the internal topics of the version gates ({@code memshift-gate-*-changelog})
     * and re-embedders; {@code memshift-} every consumer group and transactional id memshift uses (the gates'
     * {@code memshift-gate-<log>}, the re-embedders', the importers', the exports').
     */
    public static List<String> pipelineAclsDescription() {
        return List.of(
                "topic prefix 'memories': CREATE, DESCRIBE, DESCRIBE_CONFIGS, READ, WRITE",
                "topic prefix 'memshift': CREATE, DESCRIBE, DESCRIBE_CONFIGS, READ, WRITE",
                "group prefix 'memshift-': READ",
                "transactional id prefix 'memshift-': DESCRIBE, WRITE");
    }

    static String scramJaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new StackException("cannot read " + file + " of the secure stack: " + e.getMessage(), e);
        }
    }

    private static String randomText(int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(ALPHANUMERIC.charAt(RANDOM.nextInt(ALPHANUMERIC.length())));
        }
        return text.toString();
    }

    private static BigInteger serial() {
        return new BigInteger(64, RANDOM);
    }

    private static void writeSecret(Path file, String secret) throws IOException {
        Files.writeString(file, secret + "\n", StandardCharsets.UTF_8);
        ownerOnly(file);
    }

    private static void ownerOnly(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // Windows: the file stays with the folder's permissions
        }
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
