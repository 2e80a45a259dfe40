package io.memshift.clients;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import com.fasterxml.jackson.core.StreamWriteFeature;
import java.net.URI;
import javax.net.ssl.SSLContext;
import org.apache.http.Header;
import org.apache.http.HttpHost;
import org.apache.http.message.BasicHeader;
import org.elasticsearch.client.RestClient;
import org.elasticsearch.client.RestClientBuilder;

/**
 * The one place memshift connects to an Elasticsearch cluster (the importer's target, the verify and cutover
 * commands, Mem0's own store read by the exporter): every connection gets the same timeouts and the cluster's
 * credentials (an {@code Authorization} header on every request) and TLS trust. Closing the client closes its HTTP
 * connections.
 */
public final class ElasticsearchClients {

    static final int CONNECT_TIMEOUT_MS = 10_000;
    /** A bulk of several megabytes into a busy cluster, or a page of a point-in-time search, may take long. */
    static final int SOCKET_TIMEOUT_MS = 120_000;

    private ElasticsearchClients() {
    }

    /** @param url {@code http(s)://host:port}, with a path prefix if the cluster sits behind one; {@code host:port} is http */
    public static ElasticsearchClient connect(String url) {
        return connect(ElasticsearchSettings.of(url));
    }

    /** A client of the cluster {@code settings} describe: its URL, credentials and trusted certificates. */
    public static ElasticsearchClient connect(ElasticsearchSettings settings) {
        URI uri = URI.create(settings.url());
        RestClientBuilder builder = RestClient.builder(new HttpHost(uri.getHost(), uri.getPort(), uri.getScheme()))
                .setRequestConfigCallback(config -> config.setConnectTimeout(CONNECT_TIMEOUT_MS)
                        .setSocketTimeout(SOCKET_TIMEOUT_MS));
        settings.auth().authorizationHeader().ifPresent(value ->
                builder.setDefaultHeaders(new Header[] {new BasicHeader("Authorization", value)}));
        if ("https".equals(uri.getScheme())) {
            SSLContext tls = settings.tls().sslContext();
            builder.setHttpClientConfigCallback(http -> http.setSSLContext(tls));
        }
        String prefix = uri.getRawPath();
        if (prefix != null && !prefix.isEmpty() && !prefix.equals("/")) {
            builder.setPathPrefix(prefix);
        }
        RestClient rest = builder.build();
        JacksonJsonpMapper mapper = new JacksonJsonpMapper();
        // A document's vector is hundreds of floats: the JDK's Float.toString took half the importer's bulk
        // threads' time (JFR). The fast writer (Schubfach) prints the shortest decimal that reads back as the
        // same float, so Elasticsearch stores the same vector.
        mapper.objectMapper().getFactory().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER.mappedFeature());
        return new ElasticsearchClient(new RestClientTransport(rest, mapper));
    }

    /**
     * The low-level REST client under a client from {@link #connect}, for requests sent and read as raw JSON
     * (exact decimals, another application's index layout). It is closed with {@code es}.
     */
    public static RestClient lowLevel(ElasticsearchClient es) {
        return ((RestClientTransport) es._transport()).restClient();
    }
}
