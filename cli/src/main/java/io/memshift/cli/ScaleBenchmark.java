package io.memshift.cli;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.control.Clusters;
import io.memshift.control.InvalidRequestException;
import io.memshift.importer.BulkEncoding;
import io.memshift.importer.DocumentLayout;
import io.memshift.importer.IndexLifecycle;
import io.memshift.importer.IndexMapping;
import io.memshift.reembedder.EmbeddingModels;
import io.memshift.reembedder.ModelProfile;
import io.memshift.reembedder.StubEmbeddingModel;
import io.memshift.schemas.ModelFingerprint;
import io.memshift.schemas.Topics;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.elasticsearch.client.RestClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code memshift bench scale}: how the pipeline grows with the number of memories, with a model that costs
 * nothing ({@code stub:<dims>}) so that what is measured is the pipeline itself.
 *
 * <p>{@code migrate} runs on a tenth of {@code --memories}, then on all of them, each time as a process of its own
 * with {@code --heap-mb} of heap (512 MB by default), into a topic and an index of its own; then, on all of them,
 * each stage alone as a process of its own ({@code export}, {@code reembed --until-caught-up}, {@code import
 * --until-caught-up}), to measure each stage's heap. Every process logs its collections; the heap a process needed is
 * the most it held after a collection (its live data), and the most it held at all. The time per memory of the large
 * run against the small one says whether the pipeline grows linearly; the exit code is 1 when it grew more than 10%,
 * when a process failed (out of memory, say), or when an index does not hold every memory. Each time includes the
 * process's start (JVM, topic and index creation, a few seconds), which weighs more on the small run: a growth
 * under 1 says the fixed costs dominate the small run, not that the pipeline got faster per memory.
 *
 * <p>After each {@code migrate}, Elasticsearch alone ingests the same documents as raw {@code _bulk} into an index of
 * the same mapping (skip it with {@code --no-elasticsearch-alone}): an HNSW index costs more per vector as it grows,
 * and the growth of that baseline says how much of the pipeline's is the index's own. The verdict stays the
 * pipeline's whole growth.
 */
@Command(name = "scale", mixinStandardHelpOptions = true,
        description = "Time and heap of the pipeline at N/10 and N memories, with a model that costs nothing.")
final class ScaleBenchmark implements Callable<Integer> {

    static final double LINEARITY_TARGET = 1.10;
    /** Elasticsearch alone: bulks of this many documents, this many at once (the best of 1, 2, 4 in bench e2e). */
    private static final int ALONE_BULK_DOCS = 500;
    private static final int ALONE_CONCURRENCY = 2;
    private static final int ALONE_CHUNK = 20_000;
    private static final int WARM_UP_MEMORIES = 20_000;
    private static final Pattern GC_LINE = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");

    @Option(names = "--memories", defaultValue = "100000", description = "The large run's memories; the small one has a tenth (default: ${DEFAULT-VALUE}).")
    int memories;

    @Option(names = "--model", defaultValue = "stub:384", description = "The model (default: ${DEFAULT-VALUE}; any of "
            + OptionHelp.MODELS + ", but only a model that costs nothing measures the pipeline itself).")
    String model;

    @Option(names = "--heap-mb", defaultValue = "512", description = "Heap of each process, in MB (default: ${DEFAULT-VALUE}).")
    int heapMb;

    @Option(names = "--no-stages", description = "Skip the runs of each stage alone.")
    boolean noStages;

    @Option(names = "--no-elasticsearch-alone", description = "Skip Elasticsearch's own ingest of the same documents"
            + " at both sizes (it takes about as long as the pipeline).")
    boolean noElasticsearchAlone;

    @Option(names = "--keep", description = "Keep the bench's indices and topics.")
    boolean keep;

    @CommandLine.Mixin
    ClusterEndpoints endpoints = new ClusterEndpoints();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** One process: how long it took, whether it succeeded, and its heap. */
    private record Run(String what, int memories, double seconds, int exitCode, long peakLiveMb, long peakUsedMb,
                       long collections, List<String> lastLines) {

        double microsPerMemory() {
            return seconds * 1e6 / memories;
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (memories < 10 || heapMb < 64) {
            throw new InvalidRequestException("--memories must be at least 10 and --heap-mb at least 64");
        }
        Clusters clusters = endpoints.resolve(out);
        String run = Long.toString(System.currentTimeMillis(), 36);
        Path work = Files.createTempDirectory("memshift-bench-scale");
        List<String> topics = new ArrayList<>();
        List<String> indices = new ArrayList<>();
        out.printf("bench scale: %s, %d and %d memories, each process with %d MB of heap, %d cores, Elasticsearch at %s%n",
                model, memories / 10, memories, heapMb, Runtime.getRuntime().availableProcessors(),
                clusters.elasticsearch().url());
        out.flush();
        boolean ok = true;
        try {
            List<Run> runs = new ArrayList<>();
            List<Double> alone = new ArrayList<>();
            warmUp(out, clusters, work, run, indices);
            for (int size : new int[] {memories / 10, memories}) {
                Path file = EndToEndBenchmark.generate(work.resolve("bench-scale-" + size + ".json"), size);
                String topic = "bench.scale." + run + "." + size;
                String index = "bench-scale-" + run + "-" + size;
                topics.add(topic);
                indices.add(index);
                Run migrate = child(clusters, work, "migrate " + size, size, "migrate", "--source",
                        SourceUri.MEM0_JSON + ":" + file, "--model", model, "--topic", topic, "--index", index,
                        "--no-cutover");
                ok &= report(out, migrate) & counted(out, clusters, index, size);
                runs.add(migrate);
                if (!noElasticsearchAlone) {
                    String raw = index + "-es-alone";
                    indices.add(raw);
                    double seconds = elasticsearchAlone(clusters, file, raw);
                    alone.add(seconds);
                    out.printf("  %-16s %8d documents %7.1f s %8.0f documents/s  (raw _bulk of the same documents,"
                            + " %d at once, %d per bulk)%n", "Elasticsearch", size, seconds, size / seconds,
                            ALONE_CONCURRENCY, ALONE_BULK_DOCS);
                    ok &= counted(out, clusters, raw, size);
                    out.flush();
                }
                if (size == memories && !noStages) {
                    ok &= stagesAlone(out, clusters, work, file, run, size, topics, indices);
                }
            }
            double growth = runs.get(1).microsPerMemory() / runs.get(0).microsPerMemory();
            boolean linear = growth <= LINEARITY_TARGET;
            out.printf("time per memory: %.0f us at %d, %.0f us at %d: x%.2f (target <= %.2f) %s%n",
                    runs.get(0).microsPerMemory(), runs.get(0).memories(), runs.get(1).microsPerMemory(),
                    runs.get(1).memories(), growth, LINEARITY_TARGET, linear ? "met" : "NOT MET");
            out.printf("| %s | %s | %d | %.1f s | %d | %.1f s | x%.2f | %d MB | %d MB |%n", LocalDate.now(), model,
                    runs.get(0).memories(), runs.get(0).seconds(), runs.get(1).memories(), runs.get(1).seconds(),
                    growth, runs.get(1).peakLiveMb(), runs.get(1).peakUsedMb());
            if (alone.size() == 2) {
                // Elasticsearch's HNSW graphs cost more per vector as they grow (each insert searches a larger
                // graph, and merges re-insert into ever larger segments): that part of the growth is the index's.
                double esGrowth = (alone.get(1) / runs.get(1).memories()) / (alone.get(0) / runs.get(0).memories());
                out.printf("Elasticsearch alone on the same documents: %.0f us at %d, %.0f us at %d: x%.2f; the"
                                + " pipeline beyond it: x%.2f%n", alone.get(0) * 1e6 / runs.get(0).memories(),
                        runs.get(0).memories(), alone.get(1) * 1e6 / runs.get(1).memories(), runs.get(1).memories(),
                        esGrowth, growth / esGrowth);
            }
            ok &= linear;
        } finally {
            if (!keep) {
                cleanUp(out, clusters, topics, indices);
            }
        }
        out.flush();
        return ok ? Memshift.EXIT_OK : Memshift.EXIT_FAILED;
    }

    /**
     * Untimed raw {@code _bulk} of a few documents before the first measured run: a freshly started node compiles its
     * indexing code during its first minute, which would count against the small run only (measured: 100,000
     * memories took 135 s right after {@code stack up}, 100 s on a warm node).
     */
    private void warmUp(PrintWriter out, Clusters clusters, Path work, String run, List<String> indices)
            throws Exception {
        Path file = EndToEndBenchmark.generate(work.resolve("bench-scale-warm-up.json"), WARM_UP_MEMORIES);
        String index = "bench-scale-" + run + "-warm-up";
        indices.add(index);
        out.printf("  warming Elasticsearch up: %d documents, untimed%n", WARM_UP_MEMORIES);
        out.flush();
        elasticsearchAlone(clusters, file, index);
    }

    /**
     * Elasticsearch's own ingest of the documents the pipeline wrote: the same memories in the same layout and
     * mapping, with the vectors of {@code stub:<dims>} for the model's dimensions (the pipeline's very vectors when the
     * model is that stub), sent as raw {@code _bulk}. Encoded {@link #ALONE_CHUNK} at a time outside the timing, so a
     * million documents never sit in memory; only the sending counts.
     */
    private double elasticsearchAlone(Clusters clusters, Path file, String index) throws Exception {
        ModelProfile profile = EmbeddingModels.profile(model);
        ModelFingerprint fingerprint = profile.fingerprint();
        int dims = profile.dims();
        try (ElasticsearchClient es = ElasticsearchClients.connect(clusters.elasticsearch())) {
            new IndexLifecycle(es).ensureIndex(index, DocumentLayout.MEM0, IndexMapping.forDims(dims), "bench");
            RestClient rest = ElasticsearchClients.lowLevel(es);
            RawBulk bulk = new RawBulk(ALONE_BULK_DOCS, BulkEncoding.JSON);
            double[] seconds = {0};
            EndToEndBenchmark.forEachUpsert(SourceUri.MEM0_JSON + ":" + file, event -> {
                float[] vector = StubEmbeddingModel.vectorOf(profile.inputOf(event.getText()), dims);
                bulk.add(event.getId(), DocumentLayout.MEM0.document(EndToEndBenchmark.embedded(event, vector,
                        fingerprint)));
                if (bulk.documents() >= ALONE_CHUNK) {
                    seconds[0] += bulk.send(rest, index, ALONE_CONCURRENCY);
                    bulk.clear();
                }
            });
            seconds[0] += bulk.send(rest, index, ALONE_CONCURRENCY);
            return seconds[0];
        }
    }

    /** Export, re-embed and import of the same memories, each alone in a process of its own, one after the other. */
    private boolean stagesAlone(PrintWriter out, Clusters clusters, Path work, Path file, String run, int size,
                                List<String> topics, List<String> indices) throws Exception {
        String topic = "bench.scale." + run + ".stages";
        String index = "bench-scale-" + run + "-stages";
        topics.add(topic);
        indices.add(index);
        int generation = 1;
        boolean ok = report(out, child(clusters, work, "export alone", size, "export", "--source",
                SourceUri.MEM0_JSON + ":" + file, "--topic", topic));
        ok &= report(out, child(clusters, work, "reembed alone", size, "reembed", "--model", model, "--input-topic",
                topic, "--generation", Integer.toString(generation), "--until-caught-up"));
        ok &= report(out, child(clusters, work, "import alone", size, "import", "--model", model, "--topic",
                Topics.embeddedTopicName(topic, model, generation), "--index", index, "--until-caught-up"));
        return ok & counted(out, clusters, index, size);
    }

    /**
     * The bench's own JIT options (./memshift runs C1 only, unless MEMSHIFT_JAVA_OPTS says otherwise), so that each
     * measured process compiles as a command run by hand would.
     */
    private static List<String> jitOptions() {
        return java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(option -> option.startsWith("-XX:TieredStopAtLevel") || option.endsWith("TieredCompilation"))
                .toList();
    }

    /** Runs one memshift command in a process of its own with the bench's heap, its collections logged. */
    private Run child(Clusters clusters, Path work, String what, int size, String... command) throws Exception {
        Path gcLog = work.resolve(what.replace(' ', '-') + ".gc.log");
        Path output = work.resolve(what.replace(' ', '-') + ".out");
        List<String> args = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heapMb + "m", "-Xlog:gc:file=" + gcLog));
        args.addAll(jitOptions());
        args.addAll(List.of("-Dmemshift.home=" + System.getProperty("memshift.home", "."),
                "-Dmemshift.logdir=" + System.getProperty("memshift.logdir", work.resolve("logs").toString()),
                "-cp", System.getProperty("java.class.path"), Memshift.class.getName()));
        args.addAll(List.of(command));
        // The clusters as this command was told them: a config file and Kafka properties carry the credentials
        // (by reference), the addresses are the resolved ones.
        if (endpoints.config.file != null) {
            args.addAll(List.of(ConfigOption.NAME, endpoints.config.file.toString()));
        }
        if (endpoints.kafkaConfig != null) {
            args.addAll(List.of("--kafka-config", endpoints.kafkaConfig.toString()));
        }
        args.addAll(List.of("--bootstrap-servers", clusters.kafka().bootstrapServers(),
                "--schema-registry", clusters.schemaRegistry().url(), "--es", clusters.elasticsearch().url(),
                "--data-dir", work.resolve("data").toString()));
        long start = System.nanoTime();
        Process process = new ProcessBuilder(args).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!process.waitFor(6, TimeUnit.HOURS)) {
            process.destroyForcibly();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long peakLive = 0;
        long peakUsed = 0;
        long collections = 0;
        for (String line : Files.exists(gcLog) ? Files.readAllLines(gcLog) : List.<String>of()) {
            Matcher m = GC_LINE.matcher(line);
            if (m.find()) {
                collections++;
                peakUsed = Math.max(peakUsed, Long.parseLong(m.group(1)));
                peakLive = Math.max(peakLive, Long.parseLong(m.group(2)));
            }
        }
        // A process that ran out of its heap (or failed otherwise) is a result, not a crash of the bench: its exit
        // code and its last lines are printed and the bench exits 1.
        int exit = process.isAlive() ? -1 : process.exitValue();
        List<String> lines = Files.readAllLines(output);
        return new Run(what, size, seconds, exit, peakLive, peakUsed, collections,
                List.copyOf(lines.subList(Math.max(0, lines.size() - 10), lines.size())));
    }

    private boolean report(PrintWriter out, Run run) {
        boolean ok = run.exitCode() == 0 && run.peakUsedMb() <= heapMb;
        out.printf("  %-16s %8d memories %8.1f s %8.0f memories/s  heap: at most %4d MB live after a collection,"
                        + " %4d MB used (%d collections)%s%n", run.what(), run.memories(), run.seconds(),
                run.memories() / run.seconds(), run.peakLiveMb(), run.peakUsedMb(), run.collections(),
                ok ? "" : "  FAILED");
        if (run.exitCode() != 0) {
            out.printf("  %s exited %d (a timeout is -1); its last lines:%n", run.what(), run.exitCode());
            run.lastLines().forEach(line -> out.println("    " + line));
        }
        out.flush();
        return ok;
    }

    private static boolean counted(PrintWriter out, Clusters clusters, String index, int size) throws Exception {
        try (ElasticsearchClient es = ElasticsearchClients.connect(clusters.elasticsearch())) {
            es.indices().refresh(r -> r.index(index));
            long count = es.count(c -> c.index(index)).count();
            if (count != size) {
                out.printf("  index %s holds %d documents, not %d%n", index, count, size);
            }
            return count == size;
        }
    }

    private static void cleanUp(PrintWriter out, Clusters clusters, List<String> topics, List<String> indices) {
        try (ElasticsearchClient es = ElasticsearchClients.connect(clusters.elasticsearch())) {
            for (String index : indices) {
                es.indices().delete(d -> d.index(EndToEndBenchmark.withCompanions(index)).ignoreUnavailable(true));
            }
        } catch (Exception e) {
            out.printf("  (could not delete the bench indices %s: %s)%n", indices, e.getMessage());
        }
        String failed = EndToEndBenchmark.deleteBenchTopics(clusters, topics);
        if (failed != null) {
            out.printf("  (could not delete the bench topics: %s)%n", failed);
        }
    }
}
