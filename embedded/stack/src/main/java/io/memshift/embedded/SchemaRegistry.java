package io.memshift.embedded;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Apicurio Registry (rebuilt by the registry module), whose ccompat API is the Confluent Schema Registry API. */
final class SchemaRegistry {

    static final String NAME = "schema registry";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private SchemaRegistry() {
    }

    static ChildProcess start(StackLayout layout, Path dataDir, StackPorts ports, boolean detach) {
        Path dir = dataDir.resolve("registry");
        // Apicurio keeps its schemas in H2; a file database (instead of its default in-memory one) keeps the
        // schema ids stable across restarts, which the records already in Kafka depend on.
        Map<String, String> env = Map.of("REGISTRY_DATASOURCE_URL",
                "jdbc:h2:file:" + dir.resolve("db").resolve("registry").toAbsolutePath());
        return ChildProcess.start(NAME, List.of(StackLayout.javaExecutable(), "-Xmx256m", "-Xms64m",
                        "-Dquarkus.http.port=" + ports.schemaRegistry(),
                        "-Dquarkus.http.host=127.0.0.1",
                        // A pool of 20 to 100 connections is sized for a server farm, not one embedded H2 file.
                        "-Dquarkus.datasource.jdbc.initial-size=2",
                        "-Dquarkus.datasource.jdbc.min-size=2",
                        "-Dquarkus.datasource.jdbc.max-size=10",
                        "-jar", layout.schemaRegistryJar().toString()),
                env, dir, dir.resolve("registry.log"), detach);
    }

    static boolean isReady(String confluentApiUrl) {
        return httpOk(confluentApiUrl + "/subjects");
    }

    static boolean httpOk(String url) {
        try {
            HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }
}
