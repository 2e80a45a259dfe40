package io.memshift.cli;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import io.memshift.clients.KafkaClients;
import io.memshift.control.Clusters;
import io.memshift.control.InvalidRequestException;
import io.memshift.reembedder.EmbeddingModels;
import io.memshift.reembedder.ModelProfile;
import io.memshift.reembedder.Reembedder;
import io.memshift.reembedder.ReembedderConfig;
import io.memshift.reembedder.Vectors;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.MemoryVersion;
import io.memshift.schemas.Op;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.SourceRef;
import io.memshift.schemas.Topics;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * {@code memshift bench embed}: in one run, the stock LangChain4j in-process model, memshift's tuned model over the
 * same weights, and the tuned model inside the re-embedder (Kafka in, Kafka out, exactly-once), on the same
 * memory-like texts. Stock and tuned alternate for {@code --rounds} rounds and the best round of each counts, so
 * that a noisy neighbour on a shared machine does not pick the winner. Vectors of the two are compared too: a
 * speed-up that changed the vectors would be worthless.
 */
@Command(name = "embed", mixinStandardHelpOptions = true, description = "Stock LangChain4j vs memshift's tuned model vs the tuned model in the pipeline, texts/s and ratios.")
final class EmbedBenchmark implements Callable<Integer> {

    @Option(names = "--model", defaultValue = "onnx:bge-small-en-v15-q", description = "An in-process model: " + OptionHelp.ONNX_MODELS + " (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--texts", defaultValue = "2000", description = "Texts per round (default: ${DEFAULT-VALUE}).")
    int texts;

    @Option(names = "--batch-size", defaultValue = "" + ReembedderConfig.DEFAULT_BATCH_SIZE, description = "Texts per embedAll call, all contenders (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--rounds", defaultValue = "2", description = "Rounds of stock and tuned each (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--no-pipeline", description = "Skip the in-pipeline measurement (needs no Kafka then).")
    boolean noPipeline;

    @CommandLine.Mixin
    ClusterEndpoints endpoints = new ClusterEndpoints();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (texts < 1 || batchSize < 1 || rounds < 1) {
            throw new InvalidRequestException("--texts, --batch-size and --rounds must be at least 1");
        }
        ModelProfile profile = EmbeddingModels.profile(model);
        EmbeddingModel stock = EmbeddingModels.stock(model);
        EmbeddingModel tuned = profile.factory().get();
        List<String> corpus = corpus(new Random(42), texts);
        List<TextSegment> inputs = corpus.stream().map(t -> TextSegment.from(profile.inputOf(t))).toList();
        out.printf("bench embed: %s, %d memory-like texts, batches of %d, %d rounds each, %d cores%n", model, texts,
                batchSize, rounds, Runtime.getRuntime().availableProcessors());
        out.flush();
        // Warm both up (JIT, ONNX Runtime's first-run allocations) on texts outside the measured set.
        List<TextSegment> warmUp = corpus(new Random(7), Math.min(batchSize, 64)).stream().map(TextSegment::from).toList();
        stock.embedAll(warmUp);
        tuned.embedAll(warmUp);
        // A quantized model runs one text per session.run in the pipeline; its batched variant with per-text
        // quantization (same vectors) is measured beside it, to show what batching it would gain.
        EmbeddingModel perText = EmbeddingModels.perTextQuantized(model).orElse(null);
        if (perText != null) {
            perText.embedAll(warmUp);
        }

        double bestStock = 0;
        double bestTuned = 0;
        double bestPerText = 0;
        List<Embedding> stockVectors = null;
        List<Embedding> tunedVectors = null;
        List<Embedding> perTextVectors = null;
        for (int round = 1; round <= rounds; round++) {
            List<Embedding> s = new ArrayList<>();
            double stockRate = measure(stock, inputs, s);
            out.printf("  round %d  stock LangChain4j   %8.1f texts/s%n", round, stockRate);
            out.flush();
            List<Embedding> t = new ArrayList<>();
            double tunedRate = measure(tuned, inputs, t);
            out.printf("  round %d  memshift tuned      %8.1f texts/s%n", round, tunedRate);
            out.flush();
            if (perText != null) {
                List<Embedding> p = new ArrayList<>();
                double perTextRate = measure(perText, inputs, p);
                out.printf("  round %d  batched, per-text quantization %8.1f texts/s%n", round, perTextRate);
                out.flush();
                bestPerText = Math.max(bestPerText, perTextRate);
                perTextVectors = p;
            }
            bestStock = Math.max(bestStock, stockRate);
            bestTuned = Math.max(bestTuned, tunedRate);
            stockVectors = s;
            tunedVectors = t;
        }
        double minCosine = lowestCosine(stockVectors, tunedVectors);
        out.printf("  vectors: lowest cosine(stock, tuned) over %d texts = %.6f%n", stockVectors.size(), minCosine);
        if (perText != null) {
            double perTextCosine = lowestCosine(stockVectors, perTextVectors);
            out.printf("  batched with per-text quantization: %.1f texts/s, %.2f x the one-text runs the pipeline"
                    + " uses; lowest cosine(stock, batched) = %.6f%n", bestPerText, bestPerText / bestTuned,
                    perTextCosine);
            minCosine = Math.min(minCosine, perTextCosine);
        }
        double pipeline = Double.NaN;
        if (!noPipeline) {
            pipeline = inPipeline(out, profile, tuned, corpus);
            out.printf("  memshift tuned in the re-embedder (Kafka in/out, exactly-once) %8.1f texts/s%n", pipeline);
        }
        out.printf("best: stock %.1f texts/s, tuned %.1f texts/s, ratio tuned/stock = %.2f", bestStock, bestTuned,
                bestTuned / bestStock);
        if (!noPipeline) {
            out.printf("; in pipeline %.1f texts/s, ratio pipeline/stock = %.2f", pipeline, pipeline / bestStock);
        }
        out.println();
        out.flush();
        return minCosine >= 0.9999 ? Memshift.EXIT_OK : Memshift.EXIT_FAILED;
    }

    private static double lowestCosine(List<Embedding> expected, List<Embedding> actual) {
        double lowest = 1;
        for (int i = 0; i < expected.size(); i++) {
            lowest = Math.min(lowest, Vectors.cosine(expected.get(i).vector(), actual.get(i).vector()));
        }
        return lowest;
    }

    private double measure(EmbeddingModel model, List<TextSegment> inputs, List<Embedding> into) {
        long start = System.nanoTime();
        for (int from = 0; from < inputs.size(); from += batchSize) {
            into.addAll(model.embedAll(inputs.subList(from, Math.min(inputs.size(), from + batchSize))).content());
        }
        return inputs.size() / ((System.nanoTime() - start) / 1e9);
    }

    /**
     * The tuned model inside the real stage: the texts go to a fresh topic, a re-embedder generation of its own
     * reads them, and the rate runs from the first embedded memory to the last, so that Kafka Streams' start-up
     * (a rebalance, a few seconds) is not charged to the embedding.
     */
    private double inPipeline(PrintWriter out, ModelProfile profile, EmbeddingModel tuned, List<String> corpus)
            throws Exception {
        Clusters clusters = endpoints.resolve(out);
        String run = Long.toString(System.currentTimeMillis(), 36);
        String topic = "bench.embed." + run;
        // A generation number of its own keeps the bench's application id and output topic apart from real runs.
        int generation = 100_000 + (int) (System.currentTimeMillis() / 1000 % 800_000);
        publish(clusters, topic, corpus);
        Path stateDir = Files.createTempDirectory("memshift-bench-streams");
        ReembedderConfig config = new ReembedderConfig(clusters.kafka(), clusters.schemaRegistry(),
                profile.id(), batchSize, Duration.ofMillis(ReembedderConfig.DEFAULT_MAX_WAIT_MS), stateDir, generation, topic);
        long firstAt = 0;
        long firstCount = 0;
        long lastAt;
        try (Reembedder reembedder = new Reembedder(config, profile, tuned)) {
            reembedder.start();
            while (true) {
                reembedder.requireAlive();
                long embedded = reembedder.metrics().embedded();
                if (firstAt == 0 && embedded > 0) {
                    firstAt = System.nanoTime();
                    firstCount = embedded;
                }
                if (embedded >= corpus.size()) {
                    lastAt = System.nanoTime();
                    break;
                }
                Thread.sleep(5);
            }
        } finally {
            // The input topic is the log of a bench pipeline of its own: the output topic is named after it.
            String failed = EndToEndBenchmark.deleteBenchTopics(clusters, List.of(topic));
            if (failed != null) {
                out.printf("  (could not delete the bench topics %s, %s: %s)%n", topic, config.outputTopic(), failed);
            }
        }
        return (corpus.size() - firstCount) / ((lastAt - firstAt) / 1e9);
    }

    private static void publish(Clusters clusters, String topic, List<String> corpus) {
        KafkaClients kafka = new KafkaClients(clusters.kafka());
        try (Admin client = kafka.admin()) {
            Topics.ensureExists(client, new Topics.TopicSpec(topic, Topics.DEFAULT_PARTITIONS, Map.of()));
        }
        Properties props = kafka.producerConfig();
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        Instant created = Instant.parse("2025-01-01T00:00:00Z");
        try (KafkaProducer<String, MemoryEvent> producer = Topics.memories(topic,
                new SchemaRegistryClient(clusters.schemaRegistry())).producer(props)) {
            for (int i = 0; i < corpus.size(); i++) {
                String id = "bench-" + i;
                String text = corpus.get(i);
                MemoryEvent event = MemoryEvent.newBuilder().setOp(Op.UPSERT).setId(id).setText(text)
                        .setHash(Integer.toHexString(text.hashCode())).setUserId("bench-user-" + (i % 20))
                        .setMetadata("{}").setCreatedAt(created.toString()).setCreatedAtTs(created)
                        .setVersion(MemoryVersion.ofUpsert(created, created, text))
                        .setSource(SourceRef.newBuilder().setSystem("bench").setName(topic).build()).build();
                producer.send(new ProducerRecord<>(topic, id, event));
            }
            producer.flush();
        }
    }

    private static final String[] SUBJECTS = {"User", "The user", "Their manager", "Alice", "Bob", "The team"};
    private static final String[] VERBS = {"prefers", "dislikes", "is learning", "works with", "asked about",
            "plans a trip involving", "keeps notes on", "wants reminders for"};
    private static final String[] THINGS = {"Python", "dark roast coffee", "Kafka Streams", "Lisbon", "vegetarian food",
            "early morning meetings", "Rust", "the quarterly report", "hiking in the Alps", "jazz", "Elasticsearch",
            "a standing desk", "sourdough baking", "the 7:40 train", "TypeScript", "board games"};

    /** Distinct memory-like texts of 5 to about 60 words, the spread Mem0's extracted facts have. */
    static List<String> corpus(Random random, int count) {
        List<String> texts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            StringBuilder text = new StringBuilder();
            int clauses = 1 + random.nextInt(random.nextInt(10) < 8 ? 2 : 6);
            for (int c = 0; c < clauses; c++) {
                if (c > 0) {
                    text.append(c % 2 == 0 ? "; also, " : " and ");
                }
                text.append(SUBJECTS[random.nextInt(SUBJECTS.length)]).append(' ')
                        .append(VERBS[random.nextInt(VERBS.length)]).append(' ')
                        .append(THINGS[random.nextInt(THINGS.length)]);
                if (random.nextBoolean()) {
                    text.append(" since ").append(2010 + random.nextInt(15));
                }
            }
            texts.add(text.append(" (#").append(i).append(')').toString());
        }
        return texts;
    }
}
