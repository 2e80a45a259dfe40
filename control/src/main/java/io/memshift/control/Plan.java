package io.memshift.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.model.embedding.EmbeddingModel;
import io.memshift.exporter.MemorySource;
import io.memshift.importer.DocumentLayout;
import io.memshift.reembedder.EmbeddingModels;
import io.memshift.reembedder.ModelProfile;
import io.memshift.reembedder.PipelineEmbedder;
import io.memshift.reembedder.TokenCounter;
import io.memshift.schemas.EmbeddedMemoryEvent;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.Op;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * What migrating a source to a model will take, told before anything runs: the source is read whole through the
 * exporter's own readers and validation ({@link SourceSnapshot}), and nothing is published. Per user, agent and
 * run: the memories. The tokens the model will read, counted over each memory's model input
 * ({@link ModelProfile#inputOf}) with the model's own tokenizer where memshift has it
 * ({@link EmbeddingModels#tokenCounter}), else an estimate that says so. The cost, from the {@link PriceTable}.
 * The time: from the provider's rate limits in that table, or, for a model that runs here, measured by embedding
 * a sample of the source's texts the way the re-embedder does ({@link PipelineEmbedder}). The index size
 * ({@link IndexSizeEstimate}).
 */
public final class Plan {

    /** A sampled speed run stops starting model calls after this long. */
    private static final Duration SAMPLE_BUDGET = Duration.ofMinutes(5);
    /** Texts embedded before the timed run: the first calls pay one-time costs a long run does not. */
    private static final int WARM_UP_TEXTS = 8;

    /**
     * @param model        the model id, as for {@code migrate}
     * @param shape        the index the migration would create
     * @param batchSize    memories per re-embedder flush, as for {@code migrate} (a remote model's request count
     *                     follows from it); 0 for the model's own default, as the re-embedder takes it
     * @param speedSample  texts to embed to measure a model that runs here; 0 not to measure
     * @param maxTextChars longest text the exporter accepts, as for {@code migrate}
     * @param seed         which texts the speed sample takes
     */
    public record Options(String model, PriceTable prices, IndexShape shape, int batchSize, int speedSample,
                          int maxTextChars, long seed) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Options options;
    private final Map<String, String> env;

    /** @param env where remote models' settings come from (no key is needed to plan) */
    public Plan(Options options, Map<String, String> env) {
        this.options = options;
        this.env = env;
    }

    /** Reads {@code source} whole and tells what its migration takes. Publishes nothing. */
    public PlanReport run(MemorySource source) {
        ModelProfile profile = EmbeddingModels.describe(options.model(), env);
        SourceSnapshot snapshot = SourceSnapshot.read(source, options.maxTextChars());
        List<MemoryEvent> memories = new ArrayList<>();
        snapshot.newest().values().stream().filter(m -> m.getOp() == Op.UPSERT)
                .sorted(Comparator.comparing(MemoryEvent::getId)).forEach(memories::add);

        Map<String, Long> perUser = new HashMap<>();
        Set<String> agents = new HashSet<>();
        Set<String> runs = new HashSet<>();
        for (MemoryEvent memory : memories) {
            perUser.merge(memory.getUserId() == null ? Verification.NO_USER : memory.getUserId(), 1L, Long::sum);
            if (memory.getAgentId() != null) {
                agents.add(memory.getAgentId());
            }
            if (memory.getRunId() != null) {
                runs.add(memory.getRunId());
            }
        }
        List<PlanReport.UserCount> users = new ArrayList<>();
        perUser.forEach((user, count) -> users.add(new PlanReport.UserCount(user, count)));
        users.sort(Comparator.comparingLong(PlanReport.UserCount::memories).reversed()
                .thenComparing(PlanReport.UserCount::user));

        PlanReport.Tokens tokens = countTokens(profile, EmbeddingModels.tokenCounter(profile.id()), memories);
        PriceTable.Entry price = options.prices().lookup(profile.id()).orElse(null);
        Double usdPerMillion = price == null ? null : price.usdPerMillion();
        PlanReport.Cost cost = new PlanReport.Cost(usdPerMillion == null ? null : tokens.total() * usdPerMillion / 1e6,
                usdPerMillion, options.prices().source(), options.prices().asOf());
        PlanReport.Time time = time(profile, price, memories, tokens);
        IndexSizeEstimate index = IndexSizeEstimate.of(options.shape().indexOptions(), memories.size(), profile.dims(),
                documentBytes(options.shape().layout(), profile, memories), options.shape().replicas());

        List<String> problems = snapshot.problems().subList(0, Math.min(20, snapshot.problems().size()));
        return new PlanReport(source.name(), profile.id(), profile.dims(), memories.size(), snapshot.invalid(),
                List.copyOf(problems), users, agents.size(), runs.size(), tokens, cost, time, index);
    }

    private static PlanReport.Tokens countTokens(ModelProfile profile, TokenCounter counter, List<MemoryEvent> memories) {
        long total = 0;
        long max = 0;
        Map<String, Long> distinct = new HashMap<>();
        for (MemoryEvent memory : memories) {
            String input = profile.inputOf(memory.getText());
            Long count = distinct.get(input);
            if (count == null) {
                count = counter.count(input);
                distinct.put(input, count);
            }
            total += count;
            max = Math.max(max, count);
        }
        long distinctTokens = distinct.values().stream().mapToLong(Long::longValue).sum();
        return new PlanReport.Tokens(total, max, memories.isEmpty() ? 0 : (double) total / memories.size(),
                distinct.size(), distinctTokens, counter.exact(), counter.method());
    }

    /**
     * The provider's rate limits bound a remote model: the tokens, and the requests the re-embedder makes (each
     * flush of {@code batchSize} memories spread over the requests it may have in flight). A model without rate
     * limits that runs here is measured. Any other cannot be told.
     */
    private PlanReport.Time time(ModelProfile profile, PriceTable.Entry price, List<MemoryEvent> memories,
                                 PlanReport.Tokens tokens) {
        if (price != null && price.tokensPerMinute() != null && price.requestsPerMinute() != null) {
            int batch = options.batchSize() > 0 ? options.batchSize() : Math.max(1, profile.limits().defaultBatchSize());
            int perRequest = profile.limits().textsPerRequest(batch, profile.limits().maxInFlight());
            long fullBatches = memories.size() / batch;
            int rest = memories.size() % batch;
            long requests = fullBatches * ((batch + perRequest - 1) / perRequest) + (rest + perRequest - 1) / perRequest;
            double byTokens = tokens.total() * 60.0 / price.tokensPerMinute();
            double byRequests = requests * 60.0 / price.requestsPerMinute();
            return new PlanReport.Time(Math.max(byTokens, byRequests), "rate-limits", String.format(
                    "at least: the provider's rate limits from the price table, %,d tokens/min and %,d requests/min"
                            + " (Tier 1), let %,d tokens go in %.1f s and %,d requests (up to %d texts each, %d in"
                            + " flight) in %.1f s; the model's own latency comes on top",
                    price.tokensPerMinute(), price.requestsPerMinute(), tokens.total(), byTokens, requests,
                    perRequest, profile.limits().maxInFlight(), byRequests));
        }
        boolean runsHere = profile.provider().equals("onnx") || profile.provider().equals("ollama");
        if (!runsHere) {
            return new PlanReport.Time(null, "unknown", "the price table has no rate limits for " + profile.id()
                    + "; give them with --prices (tokens_per_minute, requests_per_minute)");
        }
        if (options.speedSample() <= 0 || memories.isEmpty()) {
            return new PlanReport.Time(null, "unknown", "not measured (no sample)");
        }
        return measure(profile, memories);
    }

    /** Embeds a sample of the source's texts the way the re-embedder does, and times it. */
    private PlanReport.Time measure(ModelProfile profile, List<MemoryEvent> memories) {
        List<String> texts = new ArrayList<>(memories.size());
        memories.forEach(m -> texts.add(m.getText()));
        Collections.shuffle(texts, new Random(options.seed()));
        List<String> sample = texts.subList(0, Math.min(options.speedSample(), texts.size()));
        long loading = System.nanoTime();
        EmbeddingModel model;
        try {
            model = profile.factory().get();
        } catch (RuntimeException e) {
            return new PlanReport.Time(null, "unknown", "cannot build " + profile.id() + ": " + e.getMessage());
        }
        double loadSeconds = (System.nanoTime() - loading) / 1e9;
        try (PipelineEmbedder embedder = new PipelineEmbedder(profile, model)) {
            embedder.embed(sample.subList(0, Math.min(WARM_UP_TEXTS, sample.size())), SAMPLE_BUDGET);
            long start = System.nanoTime();
            PipelineEmbedder.Result result = embedder.embed(sample, SAMPLE_BUDGET);
            double seconds = (System.nanoTime() - start) / 1e9;
            if (result.unavailable().isPresent()) {
                return new PlanReport.Time(null, "unknown", profile.id() + " did not embed the sample: "
                        + result.unavailable().get().reason());
            }
            double perSecond = sample.size() / seconds;
            return new PlanReport.Time(memories.size() / perSecond, "measured", String.format(
                    "measured here: %d of the source's texts embedded in %.2f s through the re-embedder's own path"
                            + " (%.0f texts/s, after loading the model in %.1f s)",
                    sample.size(), seconds, perSecond, loadSeconds));
        } catch (RuntimeException e) {
            return new PlanReport.Time(null, "unknown", profile.id() + " did not embed the sample: " + e.getMessage());
        }
    }

    /** The documents' JSON as the importer writes them in the layout asked for, without their vectors (added apart). */
    private static long documentBytes(DocumentLayout layout, ModelProfile profile, List<MemoryEvent> memories) {
        long bytes = 0;
        for (MemoryEvent memory : memories) {
            EmbeddedMemoryEvent event = EmbeddedMemoryEvent.newBuilder().setMemory(memory).setEmbedding(List.of())
                    .setModel(profile.fingerprint()).setEmbeddedAt(Instant.EPOCH).build();
            try {
                bytes += JSON.writeValueAsString(layout.document(event)).getBytes(StandardCharsets.UTF_8).length;
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot write memory " + memory.getId() + " as a document", e);
            }
        }
        return bytes;
    }
}
