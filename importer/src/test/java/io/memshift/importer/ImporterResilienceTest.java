package io.memshift.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.GetResponse;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.Headers;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.Topics;
import io.memshift.schemas.testing.CommittedRecords;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedStackExtension.class)
class ImporterResilienceTest {

    @Test
    void aTombstoneStaysWhenAnOlderUpsertArrivesAfterGcDeletesHasPassed(StackEndpoints stack) throws Exception {
        String topic = "resurrection-test";
        String index = "resurrection-test-1";
        TestEvents.publish(stack, topic, List.of(TestEvents.upsert("z-1", "Has a cat", 100, 1, 0, 0, 0),
                TestEvents.delete("z-1", 300)));
        try (ElasticsearchClient es = ElasticsearchClients.connect(stack.elasticsearchUrl())) {
            new IndexLifecycle(es).ensureIndex(index, DocumentLayout.MEMSHIFT, IndexMapping.forDims(4), topic);
            // ES forgets the version of a *removed* document after gc_deletes: 0s makes that immediate.
            es.indices().putSettings(s -> s.index(index).settings(x -> x.gcDeletes(t -> t.time("0s"))));
            try (Importer importer = new Importer(TestEvents.config(stack, topic, index))) {
                importer.start();
                // Upsert and delete of one memory usually share a poll, where only the newest (the delete) is written.
                await().atMost(Duration.ofSeconds(60)).until(() -> importer.outcome().deleted() >= 1);
                long settledBefore = importer.outcome().settled();
                Thread.sleep(1500);
                es.indices().flush(f -> f.index(index));
                TestEvents.publish(stack, topic, List.of(TestEvents.upsert("z-1", "Has a cat", 200, 1, 0, 0, 0)));
                await().atMost(Duration.ofSeconds(60)).until(() -> importer.outcome().settled() > settledBefore);
                assertThat(importer.outcome().stale()).isGreaterThanOrEqualTo(1);
            }
            GetResponse<ObjectNode> doc = es.get(g -> g.index(index).id("z-1"), ObjectNode.class);
            assertThat(doc.version()).isEqualTo(300);
            assertThat(doc.source().get("deleted").asBoolean()).isTrue();
            new IndexLifecycle(es).pointAlias("resurrection-test", index);
            es.indices().refresh(r -> r.index(index));
            assertThat(es.count(c -> c.index("resurrection-test")).count()).isZero();
        }
    }

    @Test
    void aMemoryEsRefusesGoesToTheDeadLetterTopicWithTheReasonAndTheRestArrive(StackEndpoints stack) throws Exception {
        String topic = "dlq-test";
        String index = "dlq-test-1";
        List<EmbeddedMemoryEvent> events = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            events.add(TestEvents.upsert("d-" + i, "Memory " + i, 100, 1, i, 0, 0));
        }
        events.add(TestEvents.upsert("d-bad", "Five dimensions in a four-dimension index", 100, 1, 2, 3, 4, 5));
        TestEvents.publish(stack, topic, events);
        try (Importer importer = new Importer(TestEvents.config(stack, topic, index))) {
            importer.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> importer.outcome().settled() >= 21);
            assertThat(importer.outcome().indexed()).isEqualTo(20);
            assertThat(importer.outcome().dead()).isEqualTo(1);
            assertThat(importer.failure()).isNull();
        }
        List<ConsumerRecord<String, EmbeddedMemoryEvent>> dead = CommittedRecords.readToEnd(stack.bootstrapServers(),
                Topics.importDeadLetters(index, new SchemaRegistryClient(stack.schemaRegistryUrl())));
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).key()).isEqualTo("d-bad");
        assertThat(Headers.text(dead.get(0).headers(), Headers.ERROR_REASON)).contains("dimension");
        assertThat(Headers.text(dead.get(0).headers(), Headers.ERROR_STATUS)).isEqualTo("400");
    }

    @Test
    void sendsAsManyBulksAtOnceAsAskedAndNoMore(StackEndpoints stack) throws Exception {
        String topic = "in-flight-test";
        List<EmbeddedMemoryEvent> events = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            events.add(TestEvents.upsert("f-" + i, "Memory " + i, 1 + i, 1, i, 0, 0));
        }
        TestEvents.publish(stack, topic, events);
        for (int bulks : new int[] {1, 6}) {
            String index = "in-flight-test-" + bulks;
            // Each bulk held 150 ms at the proxy: the bulks a poll sends at once are then surely in flight together.
            try (FaultInjectingProxy proxy = FaultInjectingProxy.slowBulks(stack.elasticsearchUrl(), Duration.ofMillis(150))) {
                StackEndpoints viaProxy = new StackEndpoints(stack.bootstrapServers(), stack.schemaRegistryUrl(), proxy.url());
                ImporterConfig config = TestEvents.config(viaProxy, topic, index).withBulksInFlight(bulks);
                // A poll must hold enough records for that many full bulks, or the extra bulks would never be sent.
                assertThat(config.maxPoll()).isGreaterThanOrEqualTo(bulks * config.maxBulkDocs());
                try (Importer importer = new Importer(config)) {
                    importer.start();
                    await().atMost(Duration.ofSeconds(120)).until(() -> importer.outcome().settled() >= 400);
                    assertThat(importer.failure()).isNull();
                }
                assertThat(proxy.mostBulksInFlight.get()).as("bulks in flight at once, %d asked", bulks).isEqualTo(bulks);
            }
            try (ElasticsearchClient es = ElasticsearchClients.connect(stack.elasticsearchUrl())) {
                es.indices().refresh(r -> r.index(index));
                assertThat(es.count(c -> c.index(index)).count()).isEqualTo(400);
            }
        }
    }

    @Test
    void whole429sAndItem429sAreRetriedAndNothingIsLost(StackEndpoints stack) throws Exception {
        String topic = "overload-test";
        String index = "overload-test-1";
        List<EmbeddedMemoryEvent> events = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            events.add(TestEvents.upsert("o-" + i, "Memory " + i, 1000 + i, 1, i, 0, 0));
        }
        TestEvents.publish(stack, topic, events);
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(stack.elasticsearchUrl())) {
            StackEndpoints viaProxy = new StackEndpoints(stack.bootstrapServers(), stack.schemaRegistryUrl(), proxy.url());
            try (Importer importer = new Importer(TestEvents.config(viaProxy, topic, index))) {
                importer.start();
                await().atMost(Duration.ofSeconds(120)).until(() -> importer.outcome().settled() >= 300);
                assertThat(importer.failure()).isNull();
                assertThat(importer.outcome().retried()).isPositive();
            }
            assertThat(proxy.wholeRefusals.get()).isPositive();
            assertThat(proxy.itemRefusals.get()).isPositive();
        }
        try (ElasticsearchClient es = ElasticsearchClients.connect(stack.elasticsearchUrl())) {
            es.indices().refresh(r -> r.index(index));
            assertThat(es.count(c -> c.index(index)).count()).isEqualTo(300);
            for (int i = 0; i < 300; i += 37) {
                String id = "o-" + i;
                assertThat(es.get(g -> g.index(index).id(id), ObjectNode.class).version()).isEqualTo(1000 + i);
            }
        }
    }
}
