package io.memshift.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.http.HttpHost;
import org.elasticsearch.client.Request;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The cluster a URL names, as the client will reach it (building a client connects to nothing). */
@Tag("fast")
class ElasticsearchClientsTest {

    @Test
    void aUrlNamesSchemeHostAndPort() throws Exception {
        assertThat(node("http://127.0.0.1:9200")).isEqualTo(new HttpHost("127.0.0.1", 9200, "http"));
        assertThat(node("https://es.example.com:9243")).isEqualTo(new HttpHost("es.example.com", 9243, "https"));
        assertThat(node("localhost:9200")).as("no scheme is http").isEqualTo(new HttpHost("localhost", 9200, "http"));
    }

    @Test
    void aPathInTheUrlPrefixesEveryRequest() throws Exception {
        List<String> paths = new CopyOnWriteArrayList<>();
        HttpServer proxy = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        proxy.createContext("/", exchange -> {
            paths.add(exchange.getRequestURI().getPath());
            byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        proxy.start();
        try (ElasticsearchClient es = ElasticsearchClients.connect(
                "http://127.0.0.1:" + proxy.getAddress().getPort() + "/elastic")) {
            ElasticsearchClients.lowLevel(es).performRequest(new Request("GET", "/_cluster/health"));
        } finally {
            proxy.stop(0);
        }
        assertThat(paths).containsExactly("/elastic/_cluster/health");
    }

    @Test
    void aUrlWithoutAHostIsRefusedNamingIt() {
        assertThatThrownBy(() -> ElasticsearchClients.connect("http:///nothing"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'http:///nothing'");
    }

    private static HttpHost node(String url) throws Exception {
        try (ElasticsearchClient es = ElasticsearchClients.connect(url)) {
            return ElasticsearchClients.lowLevel(es).getNodes().get(0).getHost();
        }
    }

    @Test
    void vectorsGoOutAsDecimalsThatReadBackAsTheSameFloats() throws Exception {
        ElasticsearchClient es = ElasticsearchClients.connect("http://127.0.0.1:9");
        java.util.Random random = new java.util.Random(7);
        List<Float> vector = new java.util.ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            vector.add(i % 2 == 0 ? (float) random.nextGaussian() : Float.intBitsToFloat(random.nextInt() & 0x7f7fffff));
        }
        java.io.StringWriter json = new java.io.StringWriter();
        try (jakarta.json.stream.JsonGenerator generator = es._jsonpMapper().jsonProvider().createGenerator(json)) {
            es._jsonpMapper().serialize(java.util.Map.of("embedding", vector), generator);
        }
        // Each number's own text, as Elasticsearch reads it into a float (not through a double).
        List<Float> read = new java.util.ArrayList<>();
        try (com.fasterxml.jackson.core.JsonParser parser = new com.fasterxml.jackson.core.JsonFactory().createParser(json.toString())) {
            for (var token = parser.nextToken(); token != null; token = parser.nextToken()) {
                if (token.isNumeric()) {
                    read.add(Float.parseFloat(parser.getText()));
                }
            }
        }
        assertThat(read).isEqualTo(vector);
        es.close();
    }
}
