package io.memshift.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Instances of a stage starting together register their changelog's subject at once; Apicurio answers the ones
 * that lose the race 409 (the compatibility rule, or the subject itself, "already exists"). A registry on a local
 * port answers as Apicurio did in ScaleOutTest, where the 409 stopped a re-embedder.
 */
@Tag("fast")
class SchemaRegistryRaceTest {

    private final List<String> calls = new ArrayList<>();
    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private String registry(String compatibilityNow, boolean subjectRace) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String call = exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath();
            calls.add(call);
            if (call.startsWith("PUT /config/")) {
                answer(exchange, 409, "{\"message\":\"A rule named 'COMPATIBILITY' already exists.\",\"error_code\":0}");
            } else if (call.startsWith("GET /config/")) {
                answer(exchange, 200, "{\"compatibilityLevel\":\"" + compatibilityNow + "\"}");
            } else if (call.endsWith("/versions") && subjectRace
                    && calls.stream().filter(c -> c.endsWith("/versions")).count() == 1) {
                answer(exchange, 409, "{\"message\":\"An artifact with ID 's-value' in group 'null' already exists.\","
                        + "\"error_code\":409}");
            } else if (call.endsWith("/versions")) {
                answer(exchange, 200, "{\"id\":7}");
            } else {
                answer(exchange, 404, "{}");
            }
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Test
    void aCompatibilityRuleAnotherClientJustSetIsTakenWhenItIsBackward() throws IOException {
        SchemaRegistryClient client = new SchemaRegistryClient(registry("BACKWARD", true));

        assertThat(client.register("s-value", MemoryEvent.getClassSchema())).isEqualTo(7);
        assertThat(calls).containsExactly("PUT /config/s-value", "GET /config/s-value",
                "POST /subjects/s-value/versions", "POST /subjects/s-value/versions");
    }

    @Test
    void aRuleOfAnotherLevelIsStillAnError() throws IOException {
        SchemaRegistryClient client = new SchemaRegistryClient(registry("NONE", false));

        assertThatThrownBy(() -> client.register("s-value", MemoryEvent.getClassSchema()))
                .isInstanceOf(SchemaRegistryException.class).hasMessageContaining("answered 409");
    }
}
