package io.memshift.cli;

import dev.langchain4j.model.embedding.EmbeddingModel;
import io.memshift.control.InvalidRequestException;
import io.memshift.exporter.MemoryEventConverter;
import io.memshift.reembedder.EmbeddingModels;
import io.memshift.reembedder.ModelProfile;
import io.memshift.reembedder.PipelineEmbedder;
import io.memshift.reembedder.serve.EmbeddingServer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code memshift serve --model <id>}: the migration's model behind OpenAI's embeddings API, for the app that
 * reads the migrated index; see {@link EmbeddingServer}.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, description = {
        "Serves an embedding model over OpenAI's embeddings API, so that an app (Mem0's openai embedder with a base URL)"
                + " embeds its queries with exactly the vectors a migration to that model put in the index:"
                + " the same model input (e5's prefix included) and the same encoder.",
        "  POST /v1/embeddings  {\"model\", \"input\": string | [string, ...],",
        "                        \"encoding_format\": \"float\" | \"base64\", \"dimensions\"?}",
        "  GET  /v1/models      the served model",
        "The request's \"model\" may be any name (Mem0 sends the one in its config): every text is embedded with --model,"
                + " which the answer's \"model\" names. \"dimensions\", if sent, must be the model's own.",
        "Models, in-process (no key, no download):",
        "  onnx:all-minilm-l6-v2  onnx:all-minilm-l6-v2-q  onnx:bge-small-en-v15",
        "  onnx:bge-small-en-v15-q  onnx:e5-small-v2  onnx:e5-small-v2-q",
        "  onnx:bge-small-zh-v15-q",
        "Models, remote (configured from the environment as for migrate):",
        "  openai:<model>  ollama:<model>  gemini:<model>",
        "Mem0's embedder, TypeScript:",
        "  {provider: \"openai\",",
        "   config: {baseURL: \"http://127.0.0.1:8788/v1\", apiKey: \"unused\",",
        "            model: \"<any>\"}}",
        "  Python: the same as openai_base_url, api_key, model; embedding_dims, if",
        "  set, must be the model's dims.",
        ""})
final class ServeCommand implements Callable<Integer> {

    @CommandLine.Mixin
    ConfigOption config = new ConfigOption();

    @Option(names = "--model", required = true, description = "The model the index was migrated to: " + OptionHelp.MODELS + ".")
    String model;

    @Option(names = "--port", defaultValue = "8788", description = "Port to listen on (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for all).")
    String host;

    @Option(names = "--batch-size", defaultValue = "256", description = "Texts per model batch, at most; texts of requests that arrive together share a batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--batch-wait-ms", defaultValue = "2", description = "How long a batch that is not full waits for more texts (default: ${DEFAULT-VALUE}).")
    long batchWaitMs;

    @Option(names = "--max-text-chars", defaultValue = "" + MemoryEventConverter.DEFAULT_MAX_TEXT_CHARS,
            description = "Longest text accepted, in characters (default: ${DEFAULT-VALUE}, the migration's own limit).")
    int maxTextChars;

    @CommandLine.Mixin
    MetricsOptions metrics = new MetricsOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        if (port < 0 || port > 65535) {
            throw new InvalidRequestException("--port must be between 0 and 65535, was " + port);
        }
        if (batchSize < 1 || batchWaitMs < 0 || maxTextChars < 1) {
            throw new InvalidRequestException("--batch-size and --max-text-chars must be positive and --batch-wait-ms not"
                    + " negative");
        }
        ModelProfile profile = EmbeddingModels.profile(model);
        out.printf("Loading model %s (%d dims) ...%n", profile.id(), profile.dims());
        out.flush();
        EmbeddingModel embeddingModel = profile.factory().get();
        try (ForegroundService service = new ForegroundService("memshift-serve");
             MetricsServer metricsServer = metrics.start(out);
             PipelineEmbedder embedder = new PipelineEmbedder(profile, embeddingModel, serveMeters(metricsServer));
             EmbeddingServer server = open(embedder)) {
            if (metricsServer != null) {
                bindServerMeters(metricsServer.registry(), server, profile.id());
            }
            server.start();
            out.printf("Serving %s (%d dims) at http://%s:%d/v1 (POST /v1/embeddings, GET /v1/models); Ctrl-C stops%n",
                    profile.id(), profile.dims(), host, server.port());
            out.flush();
            long[] reported = {0, 0};
            long[] lastReport = {System.nanoTime()};
            service.await(() -> false, () -> {
                server.requireAlive();
                // A plain line every 30 s when something happened: serve runs for as long as the app does.
                if (System.nanoTime() - lastReport[0] > 30_000_000_000L
                        && (server.requests() != reported[0] || server.refused() != reported[1])) {
                    reported[0] = server.requests();
                    reported[1] = server.refused();
                    lastReport[0] = System.nanoTime();
                    out.println("serve: " + counts(server));
                    out.flush();
                }
            });
            out.println("serve stopped: " + counts(server));
            out.flush();
            return Memshift.EXIT_OK;
        }
    }

    /**
     * Where the model's meters go: {@link PipelineEmbedder} keeps the re-embedder's meters as
     * {@code memshift.serve.*}, of which only the model request's latency and 429s mean something outside the
     * stream; the others are left out rather than shown as a misleading 0.
     */
    private static MeterRegistry serveMeters(MetricsServer metricsServer) {
        if (metricsServer == null) {
            return new SimpleMeterRegistry();
        }
        MeterRegistry registry = metricsServer.registry();
        registry.config().meterFilter(MeterFilter.deny(id -> id.getName().startsWith("memshift.serve.")
                && !SERVE_METERS.contains(id.getName())));
        return registry;
    }

    /** Every memshift.serve meter there is: the model's, then the server's own. */
    private static final java.util.Set<String> SERVE_METERS = java.util.Set.of("memshift.serve.model.latency",
            "memshift.serve.model.throttled", "memshift.serve.requests", "memshift.serve.refused",
            "memshift.serve.model.texts", "memshift.serve.model.batches");

    /** The server's own counts: requests answered and refused, texts and model batches. */
    private static void bindServerMeters(MeterRegistry registry, EmbeddingServer server, String modelId) {
        FunctionCounter.builder("memshift.serve.requests", server, EmbeddingServer::requests).tag("model", modelId)
                .description("requests answered with vectors").register(registry);
        FunctionCounter.builder("memshift.serve.refused", server, EmbeddingServer::refused).tag("model", modelId)
                .description("requests refused (4xx, 5xx)").register(registry);
        FunctionCounter.builder("memshift.serve.model.texts", server, EmbeddingServer::texts).tag("model", modelId)
                .description("texts embedded: its rate is texts/s").register(registry);
        FunctionCounter.builder("memshift.serve.model.batches", server, EmbeddingServer::batches).tag("model", modelId)
                .description("model batches the texts of concurrent requests shared").register(registry);
    }

    private static String counts(EmbeddingServer server) {
        return String.format("%d requests answered (%d texts in %d model batches), %d refused", server.requests(),
                server.texts(), server.batches(), server.refused());
    }

    private EmbeddingServer open(PipelineEmbedder embedder) {
        try {
            return EmbeddingServer.builder(embedder).host(host).port(port).maxBatch(batchSize)
                    .maxWait(Duration.ofMillis(batchWaitMs)).maxTextChars(maxTextChars).build();
        } catch (BindException e) {
            throw new InvalidRequestException("cannot listen on " + host + ":" + port + ": the port is taken (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new InvalidRequestException("cannot listen on " + host + ":" + port + ": " + e.getMessage());
        }
    }
}
