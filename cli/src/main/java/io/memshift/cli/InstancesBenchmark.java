package io.memshift.cli;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.clients.KafkaClients;
import io.memshift.control.Clusters;
import io.memshift.control.InvalidRequestException;
import io.memshift.control.PipelineRegistry;
import io.memshift.importer.ConsumerGroupLag;
import io.memshift.importer.DeleteLedger;
import io.memshift.importer.ImporterConfig;
import io.memshift.reembedder.EmbeddingModels;
import io.memshift.reembedder.Reembedder;
import io.memshift.schemas.Json;
import io.memshift.schemas.Mem0Entities;
import io.memshift.schemas.Pipeline;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code memshift bench instances}: the whole re-embed and import of the same memories, first with one
 * {@code reembed} and one {@code import} process, then with two of each (separate processes with ids of their
 * own, as several instances are deployed), each run on a pipeline and index of its own that the bench deletes
 * afterwards, alternating for {@code --rounds} rounds (the best of each counts). A run is done when the re-embedder's group has committed to the end of the log (exactly-once: its
 * output is then on the embedded topic) and the importer's group to the end of the embedded topic, the lags that
 * {@code --until-caught-up} and {@code status} read. Two figures per run: from the processes' start (JVM, model
 * load, group joins included) and from the first committed batch to the end (the steady rate).
 */
@Command(name = "instances", mixinStandardHelpOptions = true, description = "Re-embed and import with 1 instance of each stage vs 2 of each (separate processes), memories/s and the ratio.")
final class InstancesBenchmark implements Callable<Integer> {

    @Option(names = "--memories", defaultValue = "3000", description = "Memories per run (default: ${DEFAULT-VALUE}).")
    int memories;

    @Option(names = "--model", defaultValue = "onnx:all-minilm-l6-v2-q", description = "The model of both runs: " + OptionHelp.MODELS + " (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--partitions", defaultValue = "6", description = "Partitions of each run's pipeline, the most instances that can share a stage (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--rounds", defaultValue = "2", description = "Rounds of 1 then 2 instances; the best of each counts, so that a noisy neighbour does not pick the winner (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--instance-heap", defaultValue = "768m", description = "-Xmx of each stage process (default: ${DEFAULT-VALUE}).")
    String instanceHeap;

    @Option(names = "--timeout-s", defaultValue = "900", description = "Longest a run may take before the bench gives up (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @CommandLine.Mixin
    ClusterEndpoints endpoints = new ClusterEndpoints();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** One run's figures: memories/s from the processes' start, and from the first committed batch. */
    record Rate(double wall, double steady) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (memories < 1 || partitions < 1 || rounds < 1) {
            throw new InvalidRequestException("--memories, --partitions and --rounds must be at least 1");
        }
        String modelId = EmbeddingModels.profile(model).id();
        Clusters clusters = endpoints.resolve(out);
        Path work = Files.createTempDirectory("memshift-bench-instances");
        Path store = writeStore(work.resolve("store.jsonl"));
        out.printf("bench instances: %d memories, %s, %d partitions, %d cores (Runtime.availableProcessors)%n",
                memories, modelId, partitions, Runtime.getRuntime().availableProcessors());
        out.flush();
        String run = Long.toString(System.currentTimeMillis(), 36);
        Rate one = new Rate(0, 0);
        Rate two = new Rate(0, 0);
        for (int round = 1; round <= rounds; round++) {
            out.printf("  round %d%n", round);
            Rate a = measure(out, clusters, work, store, "bench-instances-" + run + "-r" + round + "-1", modelId, 1);
            Rate b = measure(out, clusters, work, store, "bench-instances-" + run + "-r" + round + "-2", modelId, 2);
            one = new Rate(Math.max(one.wall(), a.wall()), Math.max(one.steady(), a.steady()));
            two = new Rate(Math.max(two.wall(), b.wall()), Math.max(two.steady(), b.steady()));
        }
        out.printf("best of %d round%s: 1 instance of each: %.1f memories/s (steady %.1f); 2 of each: %.1f memories/s (steady %.1f);"
                + " ratio 2/1 = %.2f (steady %.2f)%n", rounds, rounds == 1 ? "" : "s", one.wall(), one.steady(), two.wall(), two.steady(),
                two.wall() / one.wall(), two.steady() / one.steady());
        out.flush();
        // The stage processes' output is kept only when a run fails (the error names the folder).
        try (var paths = Files.walk(work)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        return Memshift.EXIT_OK;
    }

    /** Writes {@code --memories} memory-like texts as a JSON Lines store (the same texts as {@code bench embed}). */
    private Path writeStore(Path file) throws IOException {
        List<String> texts = EmbedBenchmark.corpus(new Random(42), memories);
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < texts.size(); i++) {
            ObjectNode memory = Json.MAPPER.createObjectNode();
            memory.put("id", "bench-" + i);
            memory.put("memory", texts.get(i));
            memory.put("user_id", "bench-user-" + (i % 20));
            memory.put("created_at", "2025-01-01T00:00:00Z");
            memory.put("updated_at", "2025-01-01T00:00:00Z");
            lines.append(Json.MAPPER.writeValueAsString(memory)).append('\n');
        }
        return Files.writeString(file, lines, StandardCharsets.UTF_8);
    }

    private Rate measure(PrintWriter out, Clusters clusters, Path work, Path store, String name, String modelId,
                         int instances) throws Exception {
        Pipeline pipeline = Pipeline.named(name);
        String index = name + "-index";
        String reembedGroup = Reembedder.applicationId(pipeline.log(), modelId, 1);
        String importGroup = ImporterConfig.groupIdFor(index);
        String embedded = pipeline.embedded(modelId, 1);
        Path dir = work.resolve(name);
        List<Process> processes = new ArrayList<>();
        try {
            // Not measured: the export that fills the pipeline's log (it ends once the version gate has it all).
            Process export = start(clusters, dir, "export", List.of("export", "--source", "jsonl:" + store,
                    "--pipeline", name, "--partitions", Integer.toString(partitions)));
            processes.add(export);
            if (!export.waitFor(timeoutSeconds, TimeUnit.SECONDS) || export.exitValue() != 0) {
                throw new IllegalStateException("the export into pipeline " + name + " failed:\n" + tail(dir, "export"));
            }
            long start = System.nanoTime();
            for (int i = 1; i <= instances; i++) {
                processes.add(start(clusters, dir, "reembed-" + i, List.of("reembed", "--model", modelId,
                        "--pipeline", name, "--instance-id", "bench-reembed-" + i)));
                processes.add(start(clusters, dir, "import-" + i, List.of("import", "--model", modelId,
                        "--pipeline", name, "--index", index, "--instance-id", "bench-import-" + i)));
            }
            long firstAt = 0;
            long leftAtFirst = 0;
            long deadline = start + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            while (true) {
                for (Process process : processes.subList(1, processes.size())) {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("a stage process of pipeline " + name + " stopped (exit "
                                + process.exitValue() + "); its output is under " + dir);
                    }
                }
                long reembedLag = ConsumerGroupLag.of(clusters.kafka(), reembedGroup, pipeline.log());
                long now = System.nanoTime();
                if (firstAt == 0 && reembedLag >= 0) {
                    long total = endOffsets(clusters, pipeline.log());
                    if (reembedLag < total) {
                        firstAt = now;
                        leftAtFirst = reembedLag;
                    }
                }
                // Re-embedder first: once its group is at the end of the log, the embedded topic is complete, so
                // the importer's lag read after it counts everything that is left.
                if (reembedLag == 0 && ConsumerGroupLag.of(clusters.kafka(), importGroup, embedded) == 0) {
                    double wall = memories / ((now - start) / 1e9);
                    long total = endOffsets(clusters, pipeline.log());
                    // Lags count offsets, transaction markers too: scale what was left at the first batch to memories.
                    double left = (double) leftAtFirst * memories / Math.max(1, total);
                    double steady = firstAt == 0 || now == firstAt ? wall : left / ((now - firstAt) / 1e9);
                    out.printf("  %d re-embedder + %d importer process%s: %d memories in %.1f s = %.1f memories/s"
                                    + " (steady, from the first committed batch: %.1f memories/s)%n", instances,
                            instances, instances == 1 ? "" : "es", memories, (now - start) / 1e9, wall, steady);
                    out.flush();
                    return new Rate(wall, steady);
                }
                if (now > deadline) {
                    throw new IllegalStateException("pipeline " + name + " not through after " + timeoutSeconds
                            + " s (re-embedder lag " + reembedLag + "); the processes' output is under " + dir);
                }
                Thread.sleep(250);
            }
        } finally {
            for (Process process : processes) {
                process.destroy();
            }
            for (Process process : processes) {
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
            cleanUp(out, clusters, pipeline, index, Set.of(reembedGroup, importGroup, pipeline.gateApplicationId()));
        }
    }

    /** A stage process as an operator runs it: this CLI, its own data folder, the clusters this bench uses. */
    private Process start(Clusters clusters, Path dir, String name, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + instanceHeap,
                "-Dmemshift.home=" + System.getProperty("memshift.home", "."),
                "-Dmemshift.logdir=" + dir.resolve("logs-" + name),
                "-cp", System.getProperty("java.class.path"), Memshift.class.getName()));
        // The model files this CLI takes out of their jars (./memshift's data folder): its stages find them there.
        String models = System.getProperty("memshift.modeldir");
        if (models != null) {
            command.add(1, "-Dmemshift.modeldir=" + models);
        }
        command.addAll(args);
        command.addAll(List.of("--bootstrap-servers", clusters.kafka().bootstrapServers(), "--schema-registry",
                clusters.schemaRegistry().url(), "--es", clusters.elasticsearch().url(),
                "--data-dir", dir.resolve("data-" + name).toString()));
        // Credentials are never on a command line: a secured cluster's come from the same files as the bench's.
        if (endpoints.config.file != null) {
            command.addAll(List.of("--config", endpoints.config.file.toString()));
        }
        if (endpoints.kafkaConfig != null) {
            command.addAll(List.of("--kafka-config", endpoints.kafkaConfig.toString()));
        }
        Files.createDirectories(dir);
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".out").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    private static String tail(Path dir, String name) throws IOException {
        Path file = dir.resolve(name + ".out");
        if (!Files.exists(file)) {
            return "(no output)";
        }
        List<String> lines = Files.readAllLines(file);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }

    private static long endOffsets(Clusters clusters, String topic) {
        // The lag of a group that has committed nothing is the topic's whole length.
        return ConsumerGroupLag.of(clusters.kafka(), "memshift-bench-no-such-group", topic);
    }

    /**
     * Deletes the run's groups, its entry and topics (its pipeline's and its applications' internal ones, as every
     * bench deletes its pipelines: {@link EndToEndBenchmark#deleteBenchTopics}), and its indices.
     */
    private static void cleanUp(PrintWriter out, Clusters clusters, Pipeline pipeline, String index, Set<String> groups) {
        KafkaClients kafka = new KafkaClients(clusters.kafka());
        try (Admin admin = kafka.admin()) {
            for (String group : groups) {
                // Static members do not leave their group when they stop (so that a restart keeps its
                // partitions): they are removed first, or the group is "not empty" until their session expires.
                try {
                    admin.removeMembersFromConsumerGroup(group, new RemoveMembersFromConsumerGroupOptions())
                            .all().get(60, TimeUnit.SECONDS);
                } catch (Exception e) {
                    // No members (the group is empty, or never existed): nothing to remove.
                }
                admin.deleteConsumerGroups(List.of(group)).all().get(60, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            out.printf("  (could not delete every topic or group of pipeline %s: %s)%n", pipeline.name(), e.getMessage());
        }
        try {
            new PipelineRegistry(kafka).forget(pipeline.name());
        } catch (RuntimeException e) {
            out.printf("  (could not forget pipeline %s: %s)%n", pipeline.name(), e.getMessage());
        }
        // The shared cleanup forgets the entry too, silently: forgotten here first, a failure is said.
        String failed = EndToEndBenchmark.deleteBenchTopics(clusters, List.of(pipeline.log()));
        if (failed != null) {
            out.printf("  (could not delete every topic or group of pipeline %s: %s)%n", pipeline.name(), failed);
        }
        try (ElasticsearchClient es = ElasticsearchClients.connect(clusters.elasticsearch())) {
            es.indices().delete(d -> d.index(index, DeleteLedger.indexFor(index), Mem0Entities.storeOf(index))
                    .ignoreUnavailable(true));
        } catch (Exception e) {
            out.printf("  (could not delete index %s: %s)%n", index, e.getMessage());
        }
    }
}
