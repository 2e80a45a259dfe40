package io.memshift.embedded;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The secured stack's front door to the schema registry and Elasticsearch, which have no security of their own
 * here (the embedded Elasticsearch has no security module; the registry runs without authentication). Each route
 * listens with TLS on a public port, checks the request's credentials, and forwards it, without them, to its
 * server on a plain loopback port; the answer goes back unchanged.
 *
 * <p>Accepted credentials, as the real servers take them: {@code Authorization: Basic} (user and password),
 * {@code Authorization: ApiKey <base64 of id:key>} (Elasticsearch API keys) and {@code Authorization: Bearer}.
 * The gateway knows only their SHA-256 hashes. A request without valid credentials gets a 401 in its server's own
 * error format, naming the server, never what was sent.
 *
 * <p>Run as a child process of the stack: {@code java -cp <jar> io.memshift.embedded.TlsGateway gateway.properties}.
 */
public final class TlsGateway implements AutoCloseable {

    static final String NAME = "TLS gateway";
    /** Hop-by-hop and framing headers: each side of the proxy sets its own. */
    private static final Set<String> NOT_FORWARDED = Set.of("authorization", "host", "connection", "content-length",
            "transfer-encoding", "expect", "upgrade", "keep-alive", "te", "trailer", "proxy-authorization");

    /** One listening port and the plain server it fronts. */
    record Route(String name, int port, URI target, String style) {
    }

    private final List<HttpsServer> servers = new ArrayList<>();
    private final ExecutorService workers = Executors.newFixedThreadPool(16, runnable -> {
        Thread thread = new Thread(runnable, "tls-gateway");
        thread.setDaemon(true);
        return thread;
    });
    private final HttpClient backend = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final Map<String, String> basicHashes;
    private final Map<String, String> apiKeyHashes;
    private final String bearerHash;

    private TlsGateway(SSLContext tls, List<Route> routes, Map<String, String> basicHashes,
                       Map<String, String> apiKeyHashes, String bearerHash) throws IOException {
        this.basicHashes = basicHashes;
        this.apiKeyHashes = apiKeyHashes;
        this.bearerHash = bearerHash;
        for (Route route : routes) {
            HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), route.port()), 64);
            server.setHttpsConfigurator(new HttpsConfigurator(tls));
            server.setExecutor(workers);
            server.createContext("/", exchange -> handle(route, exchange));
            servers.add(server);
        }
        servers.forEach(HttpsServer::start);
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: TlsGateway <gateway.properties>");
            System.exit(2);
        }
        TlsGateway gateway = open(Path.of(args[0]));
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "tls-gateway-stop"));
        System.out.println("TLS gateway listening");
        Thread.currentThread().join();
    }

    /** Starts the gateway described by {@code config} (see {@link StackSecurity#gatewayProperties}). */
    static TlsGateway open(Path config) throws IOException, GeneralSecurityException {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(config, StandardCharsets.UTF_8)) {
            props.load(reader);
        }
        char[] password = Files.readString(Path.of(props.getProperty("keystore.password.file")), StandardCharsets.UTF_8)
                .strip().toCharArray();
        KeyStore keystore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Path.of(props.getProperty("keystore")))) {
            keystore.load(in, password);
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(keystore, password);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), null, null);

        List<Route> routes = new ArrayList<>();
        Map<String, String> basic = new TreeMap<>();
        Map<String, String> apiKeys = new TreeMap<>();
        for (String key : props.stringPropertyNames()) {
            if (key.startsWith("route.") && key.endsWith(".port")) {
                String id = key.substring("route.".length(), key.length() - ".port".length());
                routes.add(new Route(props.getProperty("route." + id + ".name", id), Integer.parseInt(props.getProperty(key)),
                        URI.create(props.getProperty("route." + id + ".target")),
                        props.getProperty("route." + id + ".style", "plain")));
            } else if (key.startsWith("basic.")) {
                basic.put(key.substring("basic.".length()), props.getProperty(key));
            } else if (key.startsWith("apikey.")) {
                apiKeys.put(key.substring("apikey.".length()), props.getProperty(key));
            }
        }
        return new TlsGateway(tls, routes, basic, apiKeys, props.getProperty("bearer"));
    }

    /**
     * Starts the gateway of a secured stack as a child process: the registry and Elasticsearch, listening on
     * {@code inner}'s ports, reached through {@code published}'s.
     */
    static ChildProcess start(StackSecurity security, StackPorts published, StackPorts inner, boolean detach) {
        Path dir = security.dir().getParent().resolve("gateway");
        Path config = dir.resolve("gateway.properties");
        try {
            Files.createDirectories(dir);
            Files.writeString(config, security.gatewayProperties(published.schemaRegistry(), inner.schemaRegistry(),
                    published.elasticsearch(), inner.elasticsearch()), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StackException("cannot write the TLS gateway's configuration under " + dir, e);
        }
        return ChildProcess.start(NAME, List.of(StackLayout.javaExecutable(), "-Xmx128m", "-Xms32m",
                        "-cp", classPath(), TlsGateway.class.getName(), config.toString()),
                dir, logFile(security.dir().getParent()), detach);
    }

    static Path logFile(Path stackDir) {
        return stackDir.resolve("gateway").resolve("gateway.log");
    }

    /** The class path to run the gateway from: wherever this class was loaded from. */
    static String classPath() {
        try {
            return new File(TlsGateway.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new StackException("cannot tell where the TLS gateway's class was loaded from", e);
        }
    }

    private void handle(Route route, HttpExchange exchange) throws IOException {
        try (exchange) {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (!authenticated(authorization)) {
                exchange.getRequestBody().readAllBytes();
                refuse(route, exchange, authorization == null);
                return;
            }
            forward(route, exchange);
        } catch (Exception e) {
            // The client sees a closed connection; the gateway keeps serving others.
            System.err.println("TLS gateway: " + route.name() + " " + exchange.getRequestMethod() + " "
                    + exchange.getRequestURI().getRawPath() + ": " + e);
        }
    }

    boolean authenticated(String authorization) {
        if (authorization == null) {
            return false;
        }
        int space = authorization.indexOf(' ');
        if (space < 0) {
            return false;
        }
        String scheme = authorization.substring(0, space).toLowerCase(Locale.ROOT);
        String value = authorization.substring(space + 1).strip();
        switch (scheme) {
            case "basic" -> {
                String decoded = decode(value);
                int colon = decoded == null ? -1 : decoded.indexOf(':');
                return colon > 0 && matches(basicHashes.get(decoded.substring(0, colon)), decoded.substring(colon + 1));
            }
            case "apikey" -> {
                String decoded = decode(value);
                int colon = decoded == null ? -1 : decoded.indexOf(':');
                return colon > 0 && matches(apiKeyHashes.get(decoded.substring(0, colon)), decoded.substring(colon + 1));
            }
            case "bearer" -> {
                return matches(bearerHash, value);
            }
            default -> {
                return false;
            }
        }
    }

    private static String decode(String base64) {
        try {
            return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Compares hashes in constant time, so the time taken tells nothing about the secret. */
    private static boolean matches(String expectedHash, String secret) {
        if (expectedHash == null) {
            return false;
        }
        return MessageDigest.isEqual(HexFormat.of().parseHex(expectedHash),
                HexFormat.of().parseHex(sha256(secret)));
    }

    /** The hash the gateway's configuration holds of each secret (this class runs on the JDK alone). */
    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static void refuse(Route route, HttpExchange exchange, boolean missing) throws IOException {
        String reason = missing ? "missing authentication credentials" : "unable to authenticate";
        String body;
        if (route.style().equals("elasticsearch")) {
            // Elasticsearch's own shape of a security error, so that its clients report it as they would.
            String error = "{\"type\":\"security_exception\",\"reason\":\"" + reason + " for REST request ["
                    + exchange.getRequestURI().getRawPath().replace("\"", "") + "]\"}";
            body = "{\"error\":{\"root_cause\":[" + error + "]," + error.substring(1, error.length() - 1)
                    + "},\"status\":401}";
            exchange.getResponseHeaders().set("X-elastic-product", "Elasticsearch");
            exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"security\", ApiKey, Bearer realm=\"security\"");
        } else {
            body = "{\"error_code\":401,\"message\":\"Unauthorized: " + reason + "\"}";
            exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"" + route.name() + "\"");
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(401, -1);
            return;
        }
        exchange.sendResponseHeaders(401, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private void forward(Route route, HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        URI requestUri = exchange.getRequestURI();
        String path = requestUri.getRawPath() + (requestUri.getRawQuery() == null ? "" : "?" + requestUri.getRawQuery());
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(route.target() + path))
                .timeout(Duration.ofMinutes(3))
                .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(value -> request.header(name, value));
            }
        });
        HttpResponse<InputStream> response;
        try {
            response = backend.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (IOException e) {
            byte[] bytes = ("{\"error\":\"" + route.name() + " behind the gateway does not answer\"}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(502, bytes.length);
            exchange.getResponseBody().write(bytes);
            return;
        }
        response.headers().map().forEach((name, values) -> {
            if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                exchange.getResponseHeaders().put(name, values);
            }
        });
        try (InputStream in = response.body()) {
            int status = response.statusCode();
            if (exchange.getRequestMethod().equals("HEAD") || status == 204 || status == 304) {
                in.readAllBytes();
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            long length = response.headers().firstValueAsLong("content-length").orElse(-1);
            exchange.sendResponseHeaders(status, length == 0 ? -1 : length > 0 ? length : 0);
            if (length != 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    in.transferTo(out);
                }
            }
        }
    }

    @Override
    public void close() {
        servers.forEach(server -> server.stop(0));
        workers.shutdownNow();
    }
}
