package io.memshift.cli;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.clients.KafkaClients;
import io.memshift.clients.StageInstance;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import io.memshift.control.Clusters;
import io.memshift.control.InvalidRequestException;
import io.memshift.control.Migration;
import io.memshift.control.MigrationSummary;
import io.memshift.exporter.ExportOptions;
import io.memshift.exporter.MemoryEventConverter;
import io.memshift.exporter.MemorySource;
import io.memshift.importer.BulkEncoding;
import io.memshift.importer.IndexLifecycle;
import io.memshift.importer.IndexMapping;
import io.memshift.reembedder.EmbeddingModels;
import io.memshift.reembedder.ModelProfile;
import io.memshift.reembedder.Reembedder;
import io.memshift.reembedder.ReembedderConfig;
import io.memshift.reembedder.StubEmbeddingModel;
import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.ModelFingerprint;
import io.memshift.schemas.Op;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.RestClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code memshift bench e2e}: the whole pipeline ({@code migrate}: export, re-embed, import, into a topic, a
 * generation and an index of its own) on a memory file, against its bound, measured in the same run.
 *
 * <ul>
 *   <li>In-process model ({@code onnx:}, {@code stub:}): bound = 1 / (1/M + 1/E), M the tuned model alone on the
 *       same texts, E Elasticsearch's raw {@code _bulk} at its best concurrency on the same documents. The stages
 *       share the machine, so the best they can do is the model's time plus Elasticsearch's. Also the re-embedder
 *       stage alone (a topic already full) against M.</li>
 *   <li>Remote model ({@code openai:}): an OpenAI stand-in in this process ({@link OpenAiStandIn}: latency, requests
 *       and tokens per minute). Bound = what its limits allow (they start full and refill at their per-minute
 *       rate), or E when the limits allow more than Elasticsearch takes. Also the seed's procedure against the same
 *       stand-in and index: one embedding call and one insert per memory.</li>
 * </ul>
 *
 * Every contender runs {@code --rounds} times, alternating; the best round of each counts. The stored vectors are
 * checked against the model's own (stock LangChain4j for {@code onnx:}, the stand-in's for {@code openai:}): cosine
 * at least 0.9999. The exit code is 1 when a ratio is under its target (issue 13) or a vector differs.
 */
@Command(name = "e2e", mixinStandardHelpOptions = true, description = "The whole pipeline (export, re-embed, import) against its bound, in one run.")
final class EndToEndBenchmark implements Callable<Integer> {

    static final double LOCAL_TARGET = 0.85;
    static final double STAGE_TARGET = 0.9;
    static final double REMOTE_LIMIT_TARGET = 0.9;
    static final double REMOTE_ES_TARGET = 0.7;
    static final double SEED_TARGET = 20;
    static final double FIRST_ARRIVAL_TARGET_S = 3;
    static final double COSINE_TARGET = 0.9999;
    private static final int[] BULK_CONCURRENCY = {1, 2, 4};
    private static final int BULK_DOCS = 500;
    private static final int CHECKED_VECTORS = 100;
    private static final String STAND_IN_KEY = "bench-e2e-key";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--source", description = "The memories: " + OptionHelp.SOURCE_KINDS + ", or a path to a Mem0"
            + " export; without it, --memories generated memory-like texts.")
    String source;

    @Option(names = "--memories", defaultValue = "10000", description = "Memories to generate when no --source is given (default: ${DEFAULT-VALUE}).")
    int memories;

    @Option(names = "--model", defaultValue = "onnx:bge-small-en-v15", description = "An in-process model ("
            + OptionHelp.ONNX_MODELS + "), stub:<dims>, or openai:<model> (then against the OpenAI stand-in)"
            + " (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--latency-ms", defaultValue = "50", description = "Stand-in: milliseconds per request (default: ${DEFAULT-VALUE}).")
    long latencyMs;

    @Option(names = "--tpm", defaultValue = "300000", description = "Stand-in: tokens per minute (default: ${DEFAULT-VALUE}).")
    long tpm;

    @Option(names = "--rpm", defaultValue = "3000", description = "Stand-in: requests per minute (default: ${DEFAULT-VALUE}).")
    long rpm;

    @Option(names = "--dims", defaultValue = "1536", description = "Stand-in: vector dimensions (default: ${DEFAULT-VALUE}).")
    int dims;

    @Option(names = "--rounds", defaultValue = "2", description = "Rounds of each contender (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--seed-memories", defaultValue = "200", description = "Memories for the seed's per-memory loop, remote model (default: ${DEFAULT-VALUE}).")
    int seedMemories;

    @Option(names = "--keep", description = "Keep the bench's indices and topics.")
    boolean keep;

    @CommandLine.Mixin
    BatchingOptions batching = new BatchingOptions();

    @CommandLine.Mixin
    IndexShapeOptions shape = new IndexShapeOptions();

    @CommandLine.Mixin
    ClusterEndpoints endpoints = new ClusterEndpoints();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** One pipeline run: its rate and how long the first memory took from the topic to the index. */
    private record PipelineRun(double rate, double firstArrivalS, long indexed, double lowestCosine, String timeline) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (memories < 1 || rounds < 1 || seedMemories < 1 || latencyMs < 0 || tpm < 1 || rpm < 1) {
            throw new InvalidRequestException("--memories, --rounds, --seed-memories, --tpm and --rpm must be at least 1,"
                    + " --latency-ms at least 0");
        }
        boolean remote = model.startsWith("openai:");
        if (!remote && !model.startsWith("onnx:") && !model.startsWith("stub:")) {
            throw new InvalidRequestException("bench e2e takes onnx:<name>, stub:<dims> or openai:<model>, not '" + model + "'");
        }
        Clusters clusters = endpoints.resolve(out);
        String run = Long.toString(System.currentTimeMillis(), 36);
        Path work = Files.createTempDirectory("memshift-bench-e2e");
        String file = source != null ? sourceSpec(source)
                : SourceUri.MEM0_JSON + ":" + generate(work.resolve("bench-e2e-" + run + ".json"), memories);
        List<MemoryEvent> events = read(file);
        if (events.isEmpty()) {
            throw new InvalidRequestException("no valid memory in " + file);
        }
        ModelProfile profile = remote ? standInProfile("http://127.0.0.1:1/v1") : EmbeddingModels.profile(model);
        List<String> inputs = events.stream().map(e -> profile.inputOf(e.getText())).toList();
        out.printf("bench e2e: %s, %d memories from %s, %d rounds, batches of %d, %d cores, Elasticsearch at %s%n",
                profile.id(), events.size(), file, rounds, batching.batchSize(profile),
                Runtime.getRuntime().availableProcessors(), clusters.elasticsearch().url());
        if (remote) {
            out.printf("  stand-in: %d ms per request, %d requests/min, %d tokens/min, %d dims%n", latencyMs, rpm, tpm,
                    dims);
        }
        out.flush();

        List<String> indices = new ArrayList<>();
        List<String> topics = new ArrayList<>();
        try (ElasticsearchClient es = ElasticsearchClients.connect(clusters.elasticsearch())) {
            return remote ? remote(out, clusters, es, run, work, file, events, inputs, indices, topics)
                    : local(out, clusters, es, run, work, file, profile, events, inputs, indices, topics);
        } finally {
            if (!keep) {
                cleanUp(out, clusters, indices, topics);
            }
        }
    }

    private int local(PrintWriter out, Clusters clusters, ElasticsearchClient es, String run, Path work, String file,
                      ModelProfile profile, List<MemoryEvent> events, List<String> inputs, List<String> indices,
                      List<String> topics) throws Exception {
        EmbeddingModel tuned = profile.factory().get();
        List<TextSegment> segments = inputs.stream().map(TextSegment::from).toList();
        tuned.embedAll(segments.subList(0, Math.min(segments.size(), 64)));
        double bestModel = 0;
        RawIngest bestBulk = RawIngest.NONE;
        double bestPipeline = 0;
        double bestStage = 0;
        double worstFirstArrival = 0;
        double lowestCosine = 1;
        float[][] vectors = null;
        for (int round = 1; round <= rounds; round++) {
            float[][] roundVectors = new float[inputs.size()][];
            double modelRate = embedAll(tuned, segments, roundVectors);
            vectors = vectors == null ? roundVectors : vectors;
            out.printf("  round %d  M  tuned model alone            %8.1f memories/s%n", round, modelRate);
            out.flush();
            RawIngest bulk = bestBulk(es, run + "-" + round, events, vectors, profile, indices);
            printRaw(out, round, bulk);
            String topic = "bench.e2e." + run + "." + round;
            topics.add(topic);
            PipelineRun pipeline = pipeline(clusters, es, run, round, work, file, topic, profile, null, events, indices);
            out.printf("  round %d  P  whole pipeline (migrate)      %8.1f memories/s, first memory indexed %.1f s"
                    + " after the first was exported%n             (%s)%n", round, pipeline.rate(), pipeline.firstArrivalS(),
                    pipeline.timeline());
            out.flush();
            double stage = stageAlone(clusters, work, topic, profile, tuned, events.size());
            out.printf("  round %d  S  re-embedder stage alone       %8.1f memories/s%n", round, stage);
            out.flush();
            if (modelRate > bestModel) {
                bestModel = modelRate;
            }
            bestBulk = bestBulk.orBetter(bulk);
            bestPipeline = Math.max(bestPipeline, pipeline.rate());
            bestStage = Math.max(bestStage, stage);
            worstFirstArrival = Math.max(worstFirstArrival, pipeline.firstArrivalS());
            lowestCosine = Math.min(lowestCosine, pipeline.lowestCosine());
        }
        lowestCosine = Math.min(lowestCosine, stockCosine(profile, inputs, vectors));
        double bound = 1 / (1 / bestModel + 1 / bestBulk.rate());
        double ratio = bestPipeline / bound;
        double stageRatio = bestStage / bestModel;
        out.printf("best: M %.1f/s, E %.1f/s (%s), bound 1/(1/M+1/E) = %.1f/s; pipeline %.1f/s; stage alone %.1f/s%n",
                bestModel, bestBulk.rate(), bestBulk.how(), bound, bestPipeline, bestStage);
        boolean ok = verdict(out, "pipeline/bound", ratio, LOCAL_TARGET);
        ok &= verdict(out, "stage alone/M", stageRatio, STAGE_TARGET);
        ok &= firstArrivalVerdict(out, worstFirstArrival);
        ok &= cosineVerdict(out, lowestCosine, profile.id().startsWith("onnx:") ? "stock LangChain4j" : "the stub's own");
        out.printf("| %s | %s | %d | %.1f | %.1f (%s) | %.1f | %.1f | **%.2f** | %.2f | %.1f s | %.6f |%n", LocalDate.now(),
                profile.id(), events.size(), bestModel, bestBulk.rate(), bestBulk.how(), bound, bestPipeline, ratio,
                stageRatio, worstFirstArrival, lowestCosine);
        out.flush();
        return ok ? Memshift.EXIT_OK : Memshift.EXIT_FAILED;
    }

    private int remote(PrintWriter out, Clusters clusters, ElasticsearchClient es, String run, Path work, String file,
                       List<MemoryEvent> events, List<String> inputs, List<String> indices, List<String> topics)
            throws Exception {
        ModelProfile shape = standInProfile("http://127.0.0.1:1/v1");
        float[][] vectors = new float[inputs.size()][];
        long tokens = 0;
        for (int i = 0; i < inputs.size(); i++) {
            vectors[i] = StubEmbeddingModel.vectorOf(inputs.get(i), dims);
            tokens += OpenAiStandIn.tokensOf(inputs.get(i));
        }
        double limitBound = limitBound(events.size(), tokens);
        RawIngest bestBulk = RawIngest.NONE;
        double bestPipeline = 0;
        double worstFirstArrival = 0;
        double lowestCosine = 1;
        String counts = "";
        double seed = 0;
        for (int round = 1; round <= rounds; round++) {
            RawIngest bulk = bestBulk(es, run + "-" + round, events, vectors, shape, indices);
            printRaw(out, round, bulk);
            String topic = "bench.e2e." + run + "." + round;
            topics.add(topic);
            try (OpenAiStandIn standIn = new OpenAiStandIn(STAND_IN_KEY, dims, limits())) {
                ModelProfile profile = standInProfile(standIn.baseUrl());
                PipelineRun pipeline = pipeline(clusters, es, run, round, work, file, topic, profile, standIn, events,
                        indices);
                if (standIn.lastFailure() != null) {
                    throw new IllegalStateException("the OpenAI stand-in failed: " + standIn.lastFailure(),
                            standIn.lastFailure());
                }
                String roundCounts = String.format("%d requests answered, %d answered 429, largest request %d inputs,"
                                + " at most %d at once", standIn.answered(), standIn.throttled(), standIn.largestRequest(),
                        standIn.mostInFlight());
                if (limitBound < Double.POSITIVE_INFINITY) {
                    // With the limits binding, every token they allow is needed: one left unused is time lost.
                    roundCounts += String.format("; token allowance left unused after the first request: %d (%.1f s"
                            + " of the limit)", standIn.unusedTokens(), standIn.unusedTokens() / (tpm / 60.0));
                }
                out.printf("  round %d  P  whole pipeline (migrate)      %8.1f memories/s, first memory indexed %.1f s"
                        + " after the first was exported; %s%n             (%s)%n", round, pipeline.rate(),
                        pipeline.firstArrivalS(), roundCounts, pipeline.timeline());
                out.flush();
                if (pipeline.rate() > bestPipeline) {
                    bestPipeline = pipeline.rate();
                    counts = roundCounts;
                }
                worstFirstArrival = Math.max(worstFirstArrival, pipeline.firstArrivalS());
                lowestCosine = Math.min(lowestCosine, pipeline.lowestCosine());
            }
            bestBulk = bestBulk.orBetter(bulk);
            if (round == 1) {
                try (OpenAiStandIn standIn = new OpenAiStandIn(STAND_IN_KEY, dims, limits())) {
                    String index = "bench-e2e-seed-" + run;
                    indices.add(index);
                    seed = seedLoop(es, standIn, index, events.subList(0, Math.min(seedMemories, events.size())), shape);
                }
                out.printf("  round %d  seed loop (1 call + 1 insert per memory) %6.1f memories/s%n", round, seed);
                out.flush();
            }
        }
        boolean limitsBind = limitBound < bestBulk.rate();
        double bound = Math.min(limitBound, bestBulk.rate());
        double target = limitsBind ? REMOTE_LIMIT_TARGET : REMOTE_ES_TARGET;
        out.printf("best: E %.1f/s (%s); the limits allow %s (%d tokens, %d requests/min, %d tokens/min);"
                        + " bound %.1f/s (%s); pipeline %.1f/s (%s); seed loop %.1f/s%n", bestBulk.rate(), bestBulk.how(),
                Double.isInfinite(limitBound) ? "any rate" : String.format("%.1f/s", limitBound), tokens, rpm, tpm,
                bound, limitsBind ? "the rate limits bind" : "Elasticsearch binds", bestPipeline, counts, seed);
        boolean ok = verdict(out, "pipeline/bound", bestPipeline / bound, target);
        if (limitsBind) {
            // The seed's few hundred calls fit in the first minute's allowance, while the pipeline must wait out the
            // limit for the rest: the ratio measures the limit, and the target is for limits that do not bind.
            out.printf("  %-20s %6.2f (no target: the rate limits bind)%n", "pipeline/seed loop", bestPipeline / seed);
        } else {
            ok &= verdict(out, "pipeline/seed loop", bestPipeline / seed, SEED_TARGET);
        }
        ok &= firstArrivalVerdict(out, worstFirstArrival);
        ok &= cosineVerdict(out, lowestCosine, "the stand-in's own");
        out.printf("| %s | openai stand-in %d ms, %d rpm, %d tpm, %d-d | %d | %.1f (%s) | %s | %.1f | **%.2f** (%s) | %.1f | %.1f | %s | %.1f s | %.6f |%n",
                LocalDate.now(), latencyMs, rpm, tpm, dims, events.size(), bestBulk.rate(), bestBulk.how(),
                Double.isInfinite(limitBound) ? "—" : String.format("%.1f", limitBound), bestPipeline,
                bestPipeline / bound, limitsBind ? "limits" : "E", seed, bestPipeline / seed, counts, worstFirstArrival,
                lowestCosine);
        out.flush();
        return ok ? Memshift.EXIT_OK : Memshift.EXIT_FAILED;
    }

    /**
     * Memories per second the stand-in's limits allow: both buckets start full, so the first minute's allowance
     * goes at once and the rest at the per-minute rate. Requests hold at most 2,048 inputs and 300,000 tokens.
     */
    private double limitBound(int count, long tokens) {
        long requests = Math.max((count + OpenAiStandIn.MAX_INPUTS - 1) / OpenAiStandIn.MAX_INPUTS,
                (tokens + OpenAiStandIn.MAX_REQUEST_TOKENS - 1) / OpenAiStandIn.MAX_REQUEST_TOKENS);
        double seconds = Math.max(Math.max(0, tokens - tpm) / (tpm / 60.0), Math.max(0, requests - rpm) / (rpm / 60.0));
        return seconds <= 0 ? Double.POSITIVE_INFINITY : count / seconds;
    }

    private OpenAiStandIn.Limits limits() {
        return new OpenAiStandIn.Limits(latencyMs, rpm, tpm);
    }

    private ModelProfile standInProfile(String baseUrl) {
        Map<String, String> env = new HashMap<>();
        env.put("OPENAI_API_KEY", STAND_IN_KEY);
        env.put("MEMSHIFT_OPENAI_BASE_URL", baseUrl);
        env.put("MEMSHIFT_OPENAI_DIMENSIONS", Integer.toString(dims));
        return EmbeddingModels.profile(model, env);
    }

    private PipelineRun pipeline(Clusters clusters, ElasticsearchClient es, String run, int round, Path work, String file,
                                 String topic, ModelProfile profile, OpenAiStandIn standIn, List<MemoryEvent> events,
                                 List<String> indices) throws Exception {
        String index = "bench-e2e-" + run + "-" + round;
        indices.add(index);
        Timeline timeline = new Timeline();
        MemorySource memories = SourceUri.parse(file).open(null, null, null);
        Migration.Options options = new Migration.Options(memories, profile.id(), index, null, batching.batchSize(profile),
                batching.maxWait(), MemoryEventConverter.DEFAULT_MAX_TEXT_CHARS, Duration.ofMinutes(5),
                Duration.ofMinutes(5), StageInstance.of("bench", work.resolve("streams-" + round)), shape.shape(),
                ExportOptions.DEFAULTS, null, topic, clusters.kafka().topics(), false);
        long start = System.nanoTime();
        MigrationSummary summary = new Migration(clusters, options, timeline, null, profile).run();
        long end = System.nanoTime();
        double seconds = (end - start) / 1e9;
        if (summary.failed() > 0) {
            throw new IllegalStateException("the bench's pipeline run failed " + summary.failed() + " memories");
        }
        es.indices().refresh(r -> r.index(index));
        long count = es.count(c -> c.index(index)).count();
        if (count != events.size()) {
            throw new IllegalStateException("index " + index + " holds " + count + " documents after the pipeline, not "
                    + events.size());
        }
        double cosine = lowestCosine(es, index, events, profile, standIn != null);
        return new PipelineRun(events.size() / seconds, timeline.firstArrivalSeconds(), count, cosine,
                timeline.describe(end));
    }

    /**
     * When things happened in a pipeline run, from the migration's own events: the first memory published and the
     * first indexed, the stages started, the export committed, every memory arrived.
     */
    private static final class Timeline implements Migration.Listener {
        private final long startNs = System.nanoTime();
        private volatile long firstExportedNs;
        private volatile long firstIndexedNs;
        private volatile long stagesStartedNs;
        private volatile long exportedNs;
        private volatile long arrivedNs;

        @Override
        public void progress(String phase, long done, long total) {
            if (done <= 0) {
                return;
            }
            if (phase.equals("publish") && firstExportedNs == 0) {
                firstExportedNs = System.nanoTime();
            }
        }

        @Override
        public void firstIndexed(long nanoTime) {
            firstIndexedNs = nanoTime;
        }

        @Override
        public void stagesStarted(String embeddedTopic, String index) {
            stagesStartedNs = System.nanoTime();
        }

        @Override
        public void exported(io.memshift.exporter.ExportSummary export, String topic) {
            exportedNs = System.nanoTime();
        }

        @Override
        public void allArrived(long memories) {
            arrivedNs = System.nanoTime();
        }

        double firstArrivalSeconds() {
            return firstExportedNs == 0 || firstIndexedNs == 0 ? Double.NaN : (firstIndexedNs - firstExportedNs) / 1e9;
        }

        String describe(long endNs) {
            return String.format("stages started %.1f s, first published %.1f s, export committed %.1f s, all arrived"
                    + " %.1f s, stages closed %.1f s", at(stagesStartedNs), at(firstExportedNs), at(exportedNs),
                    at(arrivedNs), at(endNs));
        }

        private double at(long ns) {
            return ns == 0 ? Double.NaN : (ns - startNs) / 1e9;
        }
    }

    /** The re-embedder alone, reading a topic that already holds every memory, from its first output to its last. */
    private double stageAlone(Clusters clusters, Path work, String topic, ModelProfile profile, EmbeddingModel tuned,
                              int count) throws Exception {
        ReembedderConfig config = new ReembedderConfig(clusters.kafka(), clusters.schemaRegistry(),
                profile.id(), batching.batchSize(profile), batching.maxWait(), work.resolve("stage-" + topic), 2, topic);
        long firstAt = 0;
        long firstCount = 0;
        try (Reembedder reembedder = new Reembedder(config, profile, tuned)) {
            reembedder.start();
            while (true) {
                reembedder.requireAlive();
                long embedded = reembedder.metrics().events();
                if (firstAt == 0 && embedded > 0) {
                    firstAt = System.nanoTime();
                    firstCount = embedded;
                }
                if (embedded >= count) {
                    return (count - firstCount) / ((System.nanoTime() - firstAt) / 1e9);
                }
                Thread.sleep(5);
            }
        } finally {
            deleteTopics(clusters, List.of(config.outputTopic()));
        }
    }

    private static double embedAll(EmbeddingModel model, List<TextSegment> segments, float[][] into) {
        int batch = 256;
        long start = System.nanoTime();
        for (int from = 0; from < segments.size(); from += batch) {
            var vectors = model.embedAll(segments.subList(from, Math.min(segments.size(), from + batch))).content();
            for (int i = 0; i < vectors.size(); i++) {
                into[from + i] = vectors.get(i).vector();
            }
        }
        return segments.size() / ((System.nanoTime() - start) / 1e9);
    }

    /** Elasticsearch's best raw ingest in one round: its rate, and the encoding and concurrency that gave it. */
    private record RawIngest(double rate, BulkEncoding encoding, int concurrency, double jsonRate) {
        static final RawIngest NONE = new RawIngest(0, BulkEncoding.JSON, 0, 0);

        RawIngest orBetter(RawIngest other) {
            return other.rate > rate ? other : this;
        }

        String how() {
            return encoding.label() + ", " + concurrency + " at once";
        }
    }

    private static void printRaw(PrintWriter out, int round, RawIngest raw) {
        out.printf("  round %d  E  raw _bulk (best of json, smile; 1, 2, 4 at once) %8.1f docs/s (%s; json's best %.1f)%n",
                round, raw.rate(), raw.how(), raw.jsonRate());
        out.flush();
    }

    /**
     * Raw {@code _bulk} of the pipeline's very documents, encoded beforehand in each {@link BulkEncoding}, at 1, 2
     * and 4 bulks at once: Elasticsearch's ingest at its best, whichever encoding that takes.
     */
    private RawIngest bestBulk(ElasticsearchClient es, String name, List<MemoryEvent> events, float[][] vectors,
                               ModelProfile profile, List<String> indices) throws Exception {
        RestClient rest = ElasticsearchClients.lowLevel(es);
        ModelFingerprint fingerprint = profile.fingerprint();
        IndexMapping mapping = shape.mapping(profile.dims());
        IndexLifecycle lifecycle = new IndexLifecycle(es);
        RawIngest best = RawIngest.NONE;
        double bestJson = 0;
        for (BulkEncoding encoding : BulkEncoding.values()) {
            RawBulk bulk = new RawBulk(BULK_DOCS, encoding);
            for (int i = 0; i < events.size(); i++) {
                bulk.add(events.get(i).getId(), shape.layout().document(embedded(events.get(i), vectors[i],
                        fingerprint)));
            }
            for (int concurrency : BULK_CONCURRENCY) {
                String index = "bench-e2e-raw-" + name + "-" + encoding.label() + "-" + concurrency;
                indices.add(index);
                lifecycle.ensureIndex(index, shape.layout(), mapping, "bench");
                double rate = events.size() / bulk.send(rest, index, concurrency);
                es.indices().delete(d -> d.index(withCompanions(index)).ignoreUnavailable(true));
                indices.remove(index);
                if (encoding == BulkEncoding.JSON) {
                    bestJson = Math.max(bestJson, rate);
                }
                if (rate > best.rate()) {
                    best = new RawIngest(rate, encoding, concurrency, 0);
                }
            }
        }
        return new RawIngest(best.rate(), best.encoding(), best.concurrency(), bestJson);
    }

    /** The seed's procedure: per memory, one embedding call to the stand-in, then one insert. */
    private double seedLoop(ElasticsearchClient es, OpenAiStandIn standIn, String index, List<MemoryEvent> events,
                            ModelProfile profile) throws Exception {
        new IndexLifecycle(es).ensureIndex(index, shape.layout(), shape.mapping(profile.dims()), "bench");
        RestClient rest = ((RestClientTransport) es._transport()).restClient();
        HttpClient http = HttpClient.newHttpClient();
        ModelFingerprint fingerprint = profile.fingerprint();
        long start = System.nanoTime();
        for (MemoryEvent memory : events) {
            ObjectNode request = JSON.createObjectNode().put("model", profile.name());
            request.putArray("input").add(profile.inputOf(memory.getText()));
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(standIn.baseUrl() + "/embeddings"))
                    .header("Authorization", "Bearer " + STAND_IN_KEY).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(request.toString())).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("the stand-in answered " + response.statusCode() + " to the seed loop: "
                        + response.body());
            }
            JsonNode embedding = JSON.readTree(response.body()).path("data").path(0).path("embedding");
            float[] vector = new float[embedding.size()];
            for (int i = 0; i < vector.length; i++) {
                vector[i] = (float) embedding.get(i).asDouble();
            }
            Request insert = new Request("PUT", "/" + index + "/_doc/" + memory.getId());
            insert.setJsonEntity(JSON.writeValueAsString(shape.layout().document(embedded(memory, vector, fingerprint))));
            rest.performRequest(insert);
        }
        return events.size() / ((System.nanoTime() - start) / 1e9);
    }

    static EmbeddedMemoryEvent embedded(MemoryEvent memory, float[] vector, ModelFingerprint fingerprint) {
        List<Float> list = new ArrayList<>(vector.length);
        for (float v : vector) {
            list.add(v);
        }
        return EmbeddedMemoryEvent.newBuilder().setMemory(memory).setEmbedding(list).setModel(fingerprint)
                .setEmbeddedAt(Instant.now()).build();
    }

    /** The lowest cosine between a sample of stored vectors and what the model gives their texts. */
    private double lowestCosine(ElasticsearchClient es, String index, List<MemoryEvent> events, ModelProfile profile,
                                boolean standIn) throws Exception {
        RestClient rest = ((RestClientTransport) es._transport()).restClient();
        int step = Math.max(1, events.size() / CHECKED_VECTORS);
        ArrayNode ids = JSON.createArrayNode();
        Map<String, String> textOf = new HashMap<>();
        for (int i = 0; i < events.size(); i += step) {
            ids.add(events.get(i).getId());
            textOf.put(events.get(i).getId(), profile.inputOf(events.get(i).getText()));
        }
        ObjectNode query = JSON.createObjectNode().put("size", ids.size());
        query.putObject("query").putObject("ids").set("values", ids);
        Request search = new Request("POST", "/" + index + "/_search");
        search.setJsonEntity(query.toString());
        JsonNode hits = JSON.readTree(rest.performRequest(search).getEntity().getContent()).path("hits").path("hits");
        EmbeddingModel reference = standIn || profile.id().startsWith("stub:") ? null : EmbeddingModels.stock(profile.id());
        double lowest = 1;
        for (JsonNode hit : hits) {
            String text = textOf.get(hit.path("_id").asText());
            float[] expected = reference == null ? StubEmbeddingModel.vectorOf(text, profile.dims())
                    : reference.embed(text).content().vector();
            lowest = Math.min(lowest, cosine(expected, hit.path("_source").path(shape.layout().vectorField())));
        }
        return hits.size() == ids.size() ? lowest : 0;
    }

    /** The tuned vectors of the M measurement against stock LangChain4j's, on a sample (in-process models). */
    private static double stockCosine(ModelProfile profile, List<String> inputs, float[][] vectors) {
        if (!profile.id().startsWith("onnx:")) {
            return 1;
        }
        EmbeddingModel stock = EmbeddingModels.stock(profile.id());
        int step = Math.max(1, inputs.size() / CHECKED_VECTORS);
        double lowest = 1;
        for (int i = 0; i < inputs.size(); i += step) {
            float[] expected = stock.embed(inputs.get(i)).content().vector();
            double dot = 0, na = 0, nb = 0;
            for (int d = 0; d < expected.length; d++) {
                dot += expected[d] * vectors[i][d];
                na += expected[d] * expected[d];
                nb += vectors[i][d] * vectors[i][d];
            }
            lowest = Math.min(lowest, dot / Math.sqrt(na * nb));
        }
        return lowest;
    }

    private static double cosine(float[] a, JsonNode b) {
        if (b.size() != a.length) {
            return 0;
        }
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            double y = b.get(i).asDouble();
            dot += a[i] * y;
            na += a[i] * a[i];
            nb += y * y;
        }
        return dot / Math.sqrt(na * nb);
    }

    private static boolean verdict(PrintWriter out, String what, double ratio, double target) {
        boolean met = ratio >= target;
        out.printf("  %-20s %6.2f (target >= %.2f) %s%n", what, ratio, target, met ? "met" : "NOT MET");
        return met;
    }

    private static boolean firstArrivalVerdict(PrintWriter out, double seconds) {
        boolean met = seconds <= FIRST_ARRIVAL_TARGET_S;
        out.printf("  %-20s %6.1f s (target <= %.0f s, worst round) %s%n", "first memory indexed", seconds,
                FIRST_ARRIVAL_TARGET_S, met ? "met" : "NOT MET");
        return met;
    }

    private static boolean cosineVerdict(PrintWriter out, double cosine, String reference) {
        boolean met = cosine >= COSINE_TARGET;
        out.printf("  %-20s %.6f (lowest cosine to %s vectors, target >= %.4f) %s%n", "vectors", cosine, reference,
                COSINE_TARGET, met ? "met" : "NOT MET");
        return met;
    }

    /** A source as {@code migrate} takes it; a bare path is a Mem0 export. */
    private static String sourceSpec(String source) {
        if (source.matches("[a-z0-9-]+:.+")) {
            return source;
        }
        return SourceUri.MEM0_JSON + ":" + source;
    }

    private static List<MemoryEvent> read(String file) {
        List<MemoryEvent> events = new ArrayList<>();
        forEachUpsert(file, events::add);
        return events;
    }

    /** Each valid upsert of a memory file (a --source spec), as the export would publish it, in the file's order. */
    static void forEachUpsert(String file, java.util.function.Consumer<MemoryEvent> sink) {
        MemorySource memories = SourceUri.parse(file).open(null, null, null);
        MemoryEventConverter converter = new MemoryEventConverter(memories.kind(), memories.shortName(),
                MemoryEventConverter.DEFAULT_MAX_TEXT_CHARS);
        memories.forEach(memory -> {
            MemoryEventConverter.Result result = converter.convert(memory);
            if (result.valid() && result.event().getOp() == Op.UPSERT) {
                sink.accept(result.event());
            }
        });
    }

    /**
     * An index and what memshift makes beside it: the entity store ({@code <index>_entities}) and, in the mem0
     * layout, each one's delete ledger. A bench deletes them all.
     */
    static List<String> withCompanions(String index) {
        String entities = io.memshift.schemas.Mem0Entities.storeOf(index);
        return List.of(index, entities, io.memshift.importer.DeleteLedger.indexFor(index),
                io.memshift.importer.DeleteLedger.indexFor(entities));
    }

    /**
     * A Mem0 export of {@code count} distinct memory-like texts (the texts of {@code bench embed}), written as it is
     * generated: a million memories never sit in memory at once.
     */
    static Path generate(Path file, int count) throws Exception {
        Random random = new Random(42);
        try (com.fasterxml.jackson.core.JsonGenerator json = JSON.getFactory().createGenerator(file.toFile(),
                com.fasterxml.jackson.core.JsonEncoding.UTF8)) {
            json.writeStartObject();
            json.writeArrayFieldStart("results");
            int chunk = 10_000;
            for (int from = 0; from < count; from += chunk) {
                List<String> texts = EmbedBenchmark.corpus(random, Math.min(chunk, count - from));
                for (int k = 0; k < texts.size(); k++) {
                    int i = from + k;
                    // The corpus numbers its texts from 0 in each call; the memory's own number keeps them distinct.
                    String text = texts.get(k).replaceFirst("\\(#\\d+\\)$", "(#" + i + ")");
                    json.writeStartObject();
                    json.writeStringField("id", new java.util.UUID(random.nextLong(), random.nextLong()).toString());
                    json.writeStringField("memory", text);
                    json.writeStringField("hash", Integer.toHexString(text.hashCode()));
                    json.writeObjectFieldStart("metadata");
                    json.writeStringField("source", "bench");
                    json.writeNumberField("n", i);
                    json.writeEndObject();
                    json.writeArrayFieldStart("categories");
                    json.writeString("bench");
                    json.writeEndArray();
                    json.writeStringField("created_at", "2025-01-01T00:00:00Z");
                    json.writeNullField("updated_at");
                    json.writeStringField("user_id", "bench-user-" + (i % 50));
                    json.writeEndObject();
                }
            }
            json.writeEndArray();
            json.writeEndObject();
        }
        return file;
    }

    private static void cleanUp(PrintWriter out, Clusters clusters, List<String> indices, List<String> topics) {
        try (ElasticsearchClient es = ElasticsearchClients.connect(clusters.elasticsearch())) {
            for (String index : indices) {
                es.indices().delete(d -> d.index(withCompanions(index)).ignoreUnavailable(true));
            }
        } catch (Exception e) {
            out.printf("  (could not delete the bench indices %s: %s)%n", indices, e.getMessage());
        }
        deleteTopics(clusters, topics);
    }

    /** The topics and every topic named after them: embedded topics, the re-embedders' changelogs. */
    private static void deleteTopics(Clusters clusters, List<String> topics) {
        // Best effort: leftover bench topics are named bench.e2e.*
        deleteBenchTopics(clusters, topics);
    }

    /**
     * Deletes the bench pipelines of {@code topics} (each topic is the log of a pipeline of its own, named by it):
     * their registry entries and every topic named after them. Best effort.
     *
     * @return why the topics could not be deleted, or null if they were
     */
    static String deleteBenchTopics(Clusters clusters, List<String> topics) {
        if (topics.isEmpty()) {
            return null;
        }
        try {
            io.memshift.control.PipelineRegistry registry = new io.memshift.control.Pipelines(clusters).registry();
            for (String topic : topics) {
                registry.forget(io.memshift.schemas.Pipeline.ofLog(topic).name());
            }
            io.memshift.exporter.ExportPosition.forgetTopics(clusters.kafka(), topics); // or status lists them still
        } catch (RuntimeException e) {
            // best effort, like the topics
        }
        try (Admin admin = new KafkaClients(clusters.kafka()).admin()) {
            List<String> names = new ArrayList<>();
            for (String name : admin.listTopics().names().get()) {
                for (String topic : topics) {
                    if (name.equals(topic) || name.startsWith(topic + ".") || name.contains("-" + topic + "-")) {
                        names.add(name);
                    }
                }
            }
            admin.deleteTopics(names).all().get();
            return null;
        } catch (Exception e) {
            return e.getMessage();
        }
    }
}
