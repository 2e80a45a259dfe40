package io.memshift.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import io.memshift.clients.RegistrySettings;
import io.memshift.clients.TlsProblems;
import org.apache.avro.Schema;

/**
 * A small client of the Confluent Schema Registry REST API: enough to register a schema under a subject, fetch a
 * schema by id, and set a subject's compatibility. It works against Confluent's registry, Apicurio's ccompat API,
 * Karapace and Redpanda. Results are cached: a schema id never changes meaning.
 */
public final class SchemaRegistryClient implements SchemaRegistry {

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Confluent's default, which Apicurio does not apply on its own. */
    public static final String DEFAULT_COMPATIBILITY = "BACKWARD";

    private final String baseUrl;
    private final RegistrySettings settings;
    private final HttpClient http;
    private final Map<String, Integer> idsBySubjectAndSchema = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<String, Boolean> compatibilitySet = new ConcurrentHashMap<>();

    /** An open registry (no credentials, the JVM's trusted CAs). */
    public SchemaRegistryClient(String baseUrl) {
        this(RegistrySettings.of(baseUrl));
    }

    /** A registry reached with {@code settings}' credentials (sent with every request) and TLS trust. */
    public SchemaRegistryClient(RegistrySettings settings) {
        this.settings = settings;
        this.baseUrl = settings.url();
        this.http = settings.httpClient(Duration.ofSeconds(10));
    }

    public String baseUrl() {
        return baseUrl;
    }

    /**
     * Registers {@code schema} under {@code subject} (idempotent: the registry returns the existing id for a schema
     * it already has) and returns its global id. The first registration of a subject sets BACKWARD compatibility.
     * Clients registering a new subject at once (instances of a stage starting together) all succeed.
     */
    @Override
    public int register(String subject, Schema schema) {
        String cacheKey = subject + '\u0000' + schema.toString();
        Integer cached = idsBySubjectAndSchema.get(cacheKey);
        if (cached != null) {
            return cached;
        }
        compatibilitySet.computeIfAbsent(subject, s -> {
            setDefaultCompatibility(s);
            return true;
        });
        ObjectNode body = JSON.createObjectNode().put("schema", schema.toString());
        JsonNode response;
        try {
            response = send("POST", "/subjects/" + subject + "/versions", body);
        } catch (SchemaRegistryException e) {
            if (e.status() != 409) {
                throw e;
            }
            // Another client created the subject between our two calls (Apicurio: "artifact already exists"); it
            // exists now, so registering again is the idempotent call it always is.
            response = send("POST", "/subjects/" + subject + "/versions", body);
        }
        int id = response.path("id").asInt(-1);
        if (id < 0) {
            throw new SchemaRegistryException("registry at " + baseUrl + " answered registration of subject "
                    + subject + " without an id: " + response);
        }
        idsBySubjectAndSchema.put(cacheKey, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    /** The id under which {@code subject} already holds {@code schema}, without registering it. */
    public int lookup(String subject, Schema schema) {
        ObjectNode body = JSON.createObjectNode().put("schema", schema.toString());
        return send("POST", "/subjects/" + subject, body).path("id").asInt(-1);
    }

    @Override
    public Schema schemaById(int id) {
        return schemasById.computeIfAbsent(id, i -> {
            JsonNode response = send("GET", "/schemas/ids/" + i, null);
            String text = response.path("schema").asText(null);
            if (text == null) {
                throw new SchemaRegistryException("registry at " + baseUrl + " has no schema text for id " + i);
            }
            return new Schema.Parser().parse(text);
        });
    }

    /**
     * Sets {@value #DEFAULT_COMPATIBILITY} on a subject. Several processes may do so at once (instances of a stage
     * starting together, each registering the same changelog's schema): Apicurio then answers all but the first
     * 409 ("A rule named 'COMPATIBILITY' already exists"), which is done, not a failure, when the level the winner
     * set is this one.
     */
    private void setDefaultCompatibility(String subject) {
        try {
            setCompatibility(subject, DEFAULT_COMPATIBILITY);
        } catch (SchemaRegistryException e) {
            if (e.status() != 409 || !DEFAULT_COMPATIBILITY.equals(compatibility(subject))) {
                throw e;
            }
        }
    }

    public void setCompatibility(String subject, String level) {
        send("PUT", "/config/" + subject, JSON.createObjectNode().put("compatibility", level));
    }

    public String compatibility(String subject) {
        return send("GET", "/config/" + subject, null).path("compatibilityLevel").asText(null);
    }

    private JsonNode send(String method, String path, JsonNode body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(30))
                .header("Accept", CONTENT_TYPE);
        settings.auth().authorizationHeader().ifPresent(value -> request.header("Authorization", value));
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", CONTENT_TYPE)
                    .method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new SchemaRegistryException("cannot reach the schema registry at " + baseUrl + ": "
                    + TlsProblems.describe(e, settings.tls()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException("interrupted while calling the schema registry at " + baseUrl, e);
        }
        if (response.statusCode() == 401) {
            throw new SchemaRegistryException("the schema registry at " + baseUrl + " refused the credentials (401):"
                    + " " + settings.auth().describe());
        }
        if (response.statusCode() == 403) {
            throw new SchemaRegistryException("the schema registry at " + baseUrl + " refused " + method + " " + path
                    + " (403: not permitted for " + settings.auth().describe() + ")");
        }
        if (response.statusCode() / 100 != 2) {
            throw new SchemaRegistryException("schema registry " + method + " " + baseUrl + path + " answered "
                    + response.statusCode() + ": " + response.body(), response.statusCode());
        }
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new SchemaRegistryException("schema registry " + method + " " + path + " answered non-JSON: "
                    + response.body(), e);
        }
    }
}
