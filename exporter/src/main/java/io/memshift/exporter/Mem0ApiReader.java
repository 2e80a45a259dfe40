package io.memshift.exporter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.schemas.Json;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Mem0's hosted platform, read through its REST API. Mem0 lists memories per scope, so the reader first asks
 * which users, agents, apps and runs exist ({@code GET /v1/entities/}), then pages through each one's memories
 * ({@code POST /v2/memories/?page=N&page_size=100} with a {@code filters} body) until a page comes back without a
 * {@code next} link, short, or empty. Nothing is capped: exports that stop at the first 10 or 20 hits are the
 * failure this reader exists to avoid. A memory visible under two scopes (a user's memory with an agent id) is
 * exported once: ids already seen are skipped.
 *
 * <p>Entities are visited in a fixed order (type, then name), so the validation pass and the publishing pass
 * see the same sequence. The API offers no snapshot, so the source has no {@link Stamp}: an interrupted export
 * is read again from the start, which is harmless downstream because every event's version comes from the
 * memory's own {@code updated_at}.
 */
public final class Mem0ApiReader implements MemorySource {

    /** Mem0's entity types and the filter key each one is listed by. */
    private static final List<String> TYPES = List.of("user", "agent", "app", "run");
    static final int PAGE_SIZE = 100;

    /** One scope to list: {@code type} is user, agent, app or run. */
    public record Scope(String type, String name) {
        String filterKey() {
            return type + "_id";
        }
    }

    private final Mem0ApiClient client;
    private final List<Scope> scopes;

    /**
     * @param scopes the scopes to export; empty for every scope the API lists
     */
    public Mem0ApiReader(Mem0ApiClient client, List<Scope> scopes) {
        this.client = client;
        this.scopes = List.copyOf(scopes);
    }

    @Override
    public String kind() {
        return "mem0-api";
    }

    @Override
    public String identity() {
        return client.baseUrl();
    }

    @Override
    public String shortName() {
        return "mem0-api";
    }

    /** The API's host ({@code api.mem0.ai}): one Mem0 platform account per host. */
    @Override
    public String storeName() {
        String host = java.net.URI.create(client.baseUrl()).getHost();
        return host != null ? host : shortName();
    }

    @Override
    public Optional<Stamp> stamp() {
        return Optional.empty();
    }

    @Override
    public void forEach(Consumer<SourceMemory> sink) {
        Set<String> seen = new HashSet<>();
        boolean v1 = false;
        for (Scope scope : scopes.isEmpty() ? entities() : scopes) {
            int page = 1;
            List<String> previousPage = List.of();
            while (true) {
                JsonNode response;
                if (!v1) {
                    ObjectNode body = Json.MAPPER.createObjectNode();
                    body.putObject("filters").putArray("AND").addObject().put(scope.filterKey(), scope.name());
                    try {
                        response = client.post("/v2/memories/?page=" + page + "&page_size=" + PAGE_SIZE, body);
                    } catch (Mem0ApiClient.Mem0ApiException e) {
                        if (e.status() != 404 && e.status() != 405) {
                            throw e;
                        }
                        // A deployment without the v2 listing (self-hosted, older): the v1 one takes the scope
                        // as a query parameter.
                        v1 = true;
                        continue;
                    }
                } else {
                    response = client.get("/v1/memories/?" + scope.filterKey() + "=" + Mem0ApiClient.encode(scope.name())
                            + "&page=" + page + "&page_size=" + PAGE_SIZE);
                }
                JsonNode results = response.isArray() ? response : response.path("results");
                if (!results.isArray()) {
                    throw new Mem0ApiClient.Mem0ApiException(client.baseUrl(), "the memories of " + scope.filterKey() + "=" + scope.name()
                            + " came without a results list: " + abbreviate(response.toString()));
                }
                int n = 0;
                List<String> pageIds = new ArrayList<>();
                results.forEach(memory -> pageIds.add(memory.path("id").asText("")));
                if (page > 1 && pageIds.equals(previousPage)) {
                    break; // the server ignores paging and answers the same list again
                }
                previousPage = pageIds;
                for (JsonNode memory : results) {
                    n++;
                    String position = "mem0-api " + scope.filterKey() + "=" + scope.name() + " page " + page + " #" + n;
                    if (!memory.isObject()) {
                        sink.accept(new SourceMemory(Json.MAPPER.createObjectNode(), position, null));
                        continue;
                    }
                    JsonNode id = memory.get("id");
                    if (id != null && id.isTextual() && !seen.add(id.asText())) {
                        continue;
                    }
                    sink.accept(new SourceMemory((ObjectNode) memory, position, null));
                }
                boolean more = response.isObject() && response.hasNonNull("next")
                        || !response.isObject() && n == PAGE_SIZE;
                if (n == 0 || !more) {
                    break;
                }
                page++;
            }
        }
    }

    /** Every user, agent, app and run the API knows, in a fixed order. */
    List<Scope> entities() {
        List<Scope> entities = new ArrayList<>();
        JsonNode response = client.get("/v1/entities/");
        JsonNode results = response.isArray() ? response : response.path("results");
        for (JsonNode entity : results) {
            String type = entity.path("type").asText("");
            String name = entity.path("name").asText("");
            if (TYPES.contains(type) && !name.isEmpty()) {
                entities.add(new Scope(type, name));
            }
        }
        entities.sort(Comparator.comparing((Scope s) -> TYPES.indexOf(s.type())).thenComparing(Scope::name));
        return entities;
    }

    private static String abbreviate(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "...";
    }
}
