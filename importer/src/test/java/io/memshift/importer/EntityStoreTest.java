package io.memshift.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Mem0's entity store beside the index: the importer writes the topic's entities to {@code <index>_entities} (Mem0's
 * layout, payload byte for byte) and its memories to the index, the arrival check waits for both, and every move of
 * the alias (cutover, take-over of an app's collection name, rollback) moves {@code <alias>_entities} with it in the
 * same {@code _aliases} call.
 */
@ExtendWith(EmbeddedStackExtension.class)
class EntityStoreTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String PYTHON_ENTITY = "{\"data\":\"Caf\\u00e9 Nicola\",\"entity_type\":\"PLACE\","
            + "\"linked_memory_ids\":[\"m-1\"],\"user_id\":\"alice\",\"confidence\":0.950}";
    private static final String TS_ENTITY = "{\"data\":\"Siemens\",\"entityType\":\"ORG\",\"linkedMemoryIds\":[\"m-1\",\"m-2\"],"
            + "\"user_id\":\"alice\"}";

    @Test
    void entitiesGoToTheEntityStoreAndTheAliasesMoveTogether(StackEndpoints stack) throws Exception {
        String topic = "entity-store-test";
        TestEvents.publish(stack, topic, List.of(
                TestEvents.upsert("m-1", "Works at Siemens", 100, 1, 0, 0, 0),
                TestEvents.upsert("m-2", "Siemens pays well", 100, 0, 1, 0, 0),
                TestEvents.entity("e-1", "Caf\u00e9 Nicola", PYTHON_ENTITY, 100, 0, 0, 1, 0),
                TestEvents.entity("e-2", "Siemens", TS_ENTITY, 100, 0, 0, 0, 1)));
        try (ElasticsearchClient es = ElasticsearchClients.connect(stack.elasticsearchUrl());
             Importer importer = new Importer(TestEvents.config(stack, topic, "ent-1", DocumentLayout.MEM0))) {
            importer.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                importer.requireAlive();
                return importer.outcome().indexed() >= 2 && importer.entityOutcome().indexed() >= 2;
            });
            assertThat(importer.outcome().indexed()).isEqualTo(2);
            assertThat(importer.entityOutcome().indexed()).isEqualTo(2);

            // Each where Mem0 looks for it, never the other's place; the payload byte for byte.
            assertThat(get(stack, "/ent-1_entities/_source/e-1").body()).startsWith("{\"vector\":[0.0,0.0,1.0,0.0],"
                    + "\"metadata\":" + PYTHON_ENTITY + ",\"memshift\":{\"version\":100,");
            assertThat(get(stack, "/ent-1_entities/_source/e-2").body()).contains("\"metadata\":" + TS_ENTITY + ",");
            assertThat(get(stack, "/ent-1/_doc/e-1").statusCode()).isEqualTo(404);
            assertThat(get(stack, "/ent-1_entities/_doc/m-1").statusCode()).isEqualTo(404);
            IndexLifecycle lifecycle = new IndexLifecycle(es);
            assertThat(lifecycle.layoutOf("ent-1_entities")).isSameAs(DocumentLayout.MEM0);
            assertThat(lifecycle.exists(DeleteLedger.indexFor("ent-1_entities"))).as("deletes stay deleted there too").isTrue();

            // Arrived only when both are complete; a missing entity is named as one.
            ArrivalCheck arrival = new ArrivalCheck(es, "ent-1", DocumentLayout.MEM0, Map.of("m-1", 100L, "m-2", 100L),
                    Map.of("e-1", 100L, "e-2", 101L));
            assertThat(arrival.check()).isEqualTo(1);
            assertThat(arrival.missingEntities()).isEqualTo(1);
            assertThat(arrival.someMissing(5)).containsExactly("entity e-2");
            assertThat(new ArrivalCheck(es, "ent-1", DocumentLayout.MEM0, Map.of("m-1", 100L),
                    Map.of("e-1", 100L, "e-2", 100L)).check()).isZero();
        }

        try (ElasticsearchClient es = ElasticsearchClients.connect(stack.elasticsearchUrl());
             Importer second = new Importer(TestEvents.config(stack, topic, "ent-2", DocumentLayout.MEM0))) {
            second.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> second.entityOutcome().indexed() >= 2);
            IndexLifecycle lifecycle = new IndexLifecycle(es);

            // A cutover points both names; the next moves both at once; rollback moves both back.
            assertThat(lifecycle.cutover("ent", "ent-1")).isEmpty();
            assertThat(lifecycle.aliasTargets("ent_entities")).containsExactly("ent-1_entities");
            assertThat(lifecycle.cutover("ent", "ent-2")).containsExactly("ent-1");
            assertThat(lifecycle.aliasTargets("ent")).containsExactly("ent-2");
            assertThat(lifecycle.aliasTargets("ent_entities")).containsExactly("ent-2_entities");
            assertThat(lifecycle.rollback("ent")).containsExactly("ent-2", "ent-1");
            assertThat(lifecycle.aliasTargets("ent")).containsExactly("ent-1");
            assertThat(lifecycle.aliasTargets("ent_entities")).containsExactly("ent-1_entities");

            // An index made before memshift carried entities has no entity store: the entity alias goes, rather
            // than pair one model's memories with another's entities.
            lifecycle.ensureIndex("ent-old", DocumentLayout.MEM0, IndexMapping.forDims(4), "none");
            assertThat(lifecycle.exists("ent-old_entities")).isFalse();
            lifecycle.cutover("ent", "ent-old");
            assertThat(lifecycle.aliasTargets("ent_entities")).isEmpty();
            lifecycle.rollback("ent");
            assertThat(lifecycle.aliasTargets("ent_entities")).containsExactly("ent-1_entities");

            // An app's entity store (an index of that name) is not silently shadowed by an alias.
            send(stack, "PUT", "/other_entities", "{}");
            assertThatThrownBy(() -> lifecycle.cutover("other", "ent-2")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("'other_entities'").hasMessageContaining("--take-over-index");
            assertThat(lifecycle.aliasTargets("other")).as("refused whole: neither alias moved").isEmpty();

            // Take-over of an app's collection name: its entity store is kept and replaced with it, in one call.
            send(stack, "PUT", "/app", "{\"mappings\":{\"properties\":{\"vector\":{\"type\":\"dense_vector\",\"dims\":4}}}}");
            send(stack, "PUT", "/app_entities", "{\"mappings\":{\"properties\":{\"vector\":{\"type\":\"dense_vector\",\"dims\":4}}}}");
            send(stack, "POST", "/_bulk?refresh=true", "{\"index\":{\"_index\":\"app_entities\",\"_id\":\"old-e\"}}\n"
                    + "{\"vector\":[1,1,1,1],\"metadata\":{\"data\":\"old entity\"}}\n");
            assertThat(lifecycle.takeOver("app", "ent-2", "app-kept")).isEqualTo("app-kept");
            assertThat(lifecycle.aliasTargets("app")).containsExactly("ent-2");
            assertThat(lifecycle.aliasTargets("app_entities")).containsExactly("ent-2_entities");
            assertThat(get(stack, "/app_entities/_doc/e-2").statusCode()).isEqualTo(200);
            assertThat(get(stack, "/app-kept_entities/_doc/old-e").statusCode()).as("the app's entities kept").isEqualTo(200);
            assertThat(lifecycle.rollback("app")).containsExactly("ent-2", "app-kept");
            assertThat(lifecycle.aliasTargets("app_entities")).containsExactly("app-kept_entities");
            assertThat(get(stack, "/app_entities/_doc/old-e").statusCode()).isEqualTo(200);
            assertThat(lifecycle.isIndex("app")).as("app is an alias now").isFalse();
            assertThat(lifecycle.isIndex("app_entities")).as("app_entities is an alias now").isFalse();
        }
    }

    private static HttpResponse<String> get(StackEndpoints stack, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void send(StackEndpoints stack, String method, String path, String body) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + path))
                .header("Content-Type", body.endsWith("\n") ? "application/x-ndjson" : "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isBetween(200, 299);
        assertThat(response.body()).doesNotContain("\"errors\":true");
    }
}
