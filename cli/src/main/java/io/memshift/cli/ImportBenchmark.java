package io.memshift.cli;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.clients.KafkaClients;
import io.memshift.control.Clusters;
import io.memshift.control.InvalidRequestException;
import io.memshift.importer.BulkEncoding;
import io.memshift.importer.DeleteLedger;
import io.memshift.importer.DocumentLayout;
import io.memshift.importer.Importer;
import io.memshift.importer.ImporterConfig;
import io.memshift.importer.IndexLifecycle;
import io.memshift.importer.IndexMapping;
import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.ModelFingerprint;
import io.memshift.schemas.Op;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.SourceRef;
import io.memshift.schemas.Topics;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code memshift bench import}: the importer (Kafka → versioned bulks → ES, offsets committed after each) against
 * a raw {@code _bulk} load of the very same documents, same bulk size, one request at a time, no versions, no
 * Kafka. Each contender runs {@code --rounds} times, alternating, into fresh indices with the same mapping; the
 * best round of each is compared, which keeps a noisy shared machine from deciding the ratio.
 */
@Command(name = "import", mixinStandardHelpOptions = true, description = "Importer throughput against a raw _bulk load of the same documents.")
final class ImportBenchmark implements Callable<Integer> {

    @Option(names = "--docs", defaultValue = "20000", description = "Documents per round (default: ${DEFAULT-VALUE}).")
    int docs;

    @Option(names = "--dims", defaultValue = "384", description = "Vector dimensions (default: ${DEFAULT-VALUE}).")
    int dims;

    @Option(names = "--bulk-docs", defaultValue = "" + ImporterConfig.DEFAULT_MAX_BULK_DOCS, description = "Documents per _bulk, both contenders (default: ${DEFAULT-VALUE}).")
    int bulkDocs;

    @Option(names = "--rounds", defaultValue = "2", description = "Rounds per contender (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--layout", defaultValue = "mem0", description = "Document layout, both contenders: mem0 (default) or memshift.")
    String layout;

    @Option(names = "--bulk-encoding", defaultValue = "json", description = "Encoding of the _bulk bodies, both contenders: json (default, as the importer sends unless told) or smile.")
    String bulkEncoding;

    @CommandLine.Mixin
    ClusterEndpoints endpoints = new ClusterEndpoints();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Clusters clusters = endpoints.resolve(out);
        String run = Long.toString(System.currentTimeMillis(), 36);
        String topic = "bench.import." + run;
        List<EmbeddedMemoryEvent> events = events(new Random(42));
        publish(clusters, topic, events);
        out.printf("bench import: %d documents of %d dims, bulks of %d in %s, %d rounds each, Elasticsearch at %s%n",
                docs, dims, bulkDocs, encoding().label(), rounds, clusters.elasticsearch().url());
        out.flush();

        double bestRaw = 0;
        double bestImporter = 0;
        try (ElasticsearchClient es = ElasticsearchClients.connect(clusters.elasticsearch())) {
            IndexLifecycle lifecycle = new IndexLifecycle(es);
            for (int round = 1; round <= rounds; round++) {
                String rawIndex = "bench-raw-" + run + "-" + round;
                lifecycle.ensureIndex(rawIndex, layout(), IndexMapping.forDims(dims), topic);
                double raw = rawBulk(es, rawIndex, events);
                out.printf("  round %d  raw _bulk          %8.0f docs/s%n", round, raw);
                out.flush();
                String importIndex = "bench-memshift-" + run + "-" + round;
                double importer = importer(clusters, topic, importIndex);
                out.printf("  round %d  memshift importer  %8.0f docs/s%n", round, importer);
                out.flush();
                bestRaw = Math.max(bestRaw, raw);
                bestImporter = Math.max(bestImporter, importer);
                es.indices().delete(d -> d.index(rawIndex, importIndex, DeleteLedger.indexFor(rawIndex),
                        DeleteLedger.indexFor(importIndex)).ignoreUnavailable(true));
            }
        }
        out.printf("best: raw _bulk %.0f docs/s, memshift importer %.0f docs/s, ratio importer/raw = %.2f%n",
                bestRaw, bestImporter, bestImporter / bestRaw);
        out.flush();
        return Memshift.EXIT_OK;
    }

    private BulkEncoding encoding() {
        try {
            return BulkEncoding.named(bulkEncoding);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("--bulk-encoding: " + e.getMessage());
        }
    }

    private double rawBulk(ElasticsearchClient es, String index, List<EmbeddedMemoryEvent> events) {
        RawBulk bulk = new RawBulk(bulkDocs, encoding());
        for (EmbeddedMemoryEvent event : events) {
            bulk.add(event.getMemory().getId(), layout().document(event));
        }
        return events.size() / bulk.send(ElasticsearchClients.lowLevel(es), index, 1);
    }

    private double importer(Clusters clusters, String topic, String index) throws InterruptedException {
        ImporterConfig config = new ImporterConfig(clusters.kafka(), clusters.schemaRegistry(),
                clusters.elasticsearch(), topic, index, layout(), IndexMapping.forDims(dims), ImporterConfig.DEFAULT_MAX_POLL,
                bulkDocs, ImporterConfig.DEFAULT_MAX_BULK_BYTES, ImporterConfig.DEFAULT_MAX_IN_FLIGHT)
                .withBulkEncoding(encoding());
        long start = System.nanoTime();
        try (Importer importer = new Importer(config)) {
            importer.start();
            while (importer.outcome().settled() < docs) {
                importer.requireAlive();
                Thread.sleep(20);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return docs / seconds;
        }
    }

    private DocumentLayout layout() {
        try {
            return DocumentLayout.named(layout);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("--layout: " + e.getMessage());
        }
    }

    private List<EmbeddedMemoryEvent> events(Random random) {
        ModelFingerprint model = ModelFingerprint.newBuilder().setProvider("bench").setName("random")
                .setRevision(null).setDims(dims).setPrefix(null).build();
        List<EmbeddedMemoryEvent> events = new ArrayList<>(docs);
        for (int i = 0; i < docs; i++) {
            List<Float> vector = new ArrayList<>(dims);
            for (int d = 0; d < dims; d++) {
                vector.add((float) random.nextGaussian());
            }
            String id = "bench-" + i;
            MemoryEvent memory = MemoryEvent.newBuilder().setOp(Op.UPSERT).setId(id)
                    .setText("Benchmark memory " + i + ": user prefers topic " + random.nextInt(1000))
                    .setHash(Integer.toHexString(random.nextInt())).setUserId("user-" + (i % 50))
                    .setMetadata("{\"source\":\"bench\",\"n\":" + i + "}").setCategories(List.of("bench"))
                    .setCreatedAt("2024-01-01T00:00:00Z").setCreatedAtTs(Instant.parse("2024-01-01T00:00:00Z"))
                    .setVersion(1_000 + i).setSource(SourceRef.newBuilder().setSystem("bench").setName("bench").build())
                    .build();
            events.add(EmbeddedMemoryEvent.newBuilder().setMemory(memory).setEmbedding(vector).setModel(model)
                    .setEmbeddedAt(Instant.now()).build());
        }
        return events;
    }

    private static void publish(Clusters clusters, String topic, List<EmbeddedMemoryEvent> events) {
        KafkaClients kafka = new KafkaClients(clusters.kafka());
        try (Admin client = kafka.admin()) {
            Topics.ensureExists(client, new Topics.TopicSpec(topic, Topics.DEFAULT_PARTITIONS, Map.of()));
        }
        Properties props = kafka.producerConfig();
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        try (KafkaProducer<String, EmbeddedMemoryEvent> producer = Topics.embedded(topic,
                new SchemaRegistryClient(clusters.schemaRegistry())).producer(props)) {
            for (EmbeddedMemoryEvent event : events) {
                producer.send(new ProducerRecord<>(topic, event.getMemory().getId(), event));
            }
            producer.flush();
        }
    }
}
