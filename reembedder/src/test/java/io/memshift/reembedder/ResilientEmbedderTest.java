package io.memshift.reembedder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * How one flush's texts become requests, and what comes back text by text: the cutting by the provider's limits,
 * the breadth-first halving that isolates poison texts, the suspects of an interrupted search, and the failures
 * that stop a flush. A scripted model, no server.
 */
@Tag("fast")
class ResilientEmbedderTest {

    private static final int DIMS = 8;
    private static final Duration BUDGET = Duration.ofSeconds(30);

    private static ModelProfile profile(RequestLimits limits) {
        return new ModelProfile("test:scripted", "test", "scripted", null, DIMS, null, limits, () -> null);
    }

    private static List<String> texts(String prefix, int count) {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            texts.add(prefix + " memory " + i);
        }
        return texts;
    }

    private static void assertVectors(ScriptedModel model, List<String> inputs, ResilientEmbedder.Outcome outcome,
                                      List<Integer> unresolved) {
        for (int i = 0; i < inputs.size(); i++) {
            if (unresolved.contains(i)) {
                assertThat(outcome.vectors()[i]).as("text %d", i).isNull();
            } else {
                assertThat(outcome.vectors()[i]).as("vector of text %d", i).containsExactly(model.vectorOf(inputs.get(i)));
            }
        }
    }

    @Test
    void aFlushIsCutIntoRequestsOfAtMostTheProvidersInputCountInOrder() {
        ScriptedModel model = new ScriptedModel(DIMS);
        List<String> inputs = texts("cut", 35);
        try (ResilientEmbedder embedder = new ResilientEmbedder(model, profile(new RequestLimits(10, 1_000_000, 1)),
                new ReembedMetrics())) {
            ResilientEmbedder.Outcome outcome = embedder.embed(inputs, BUDGET);

            assertThat(model.requests).extracting(List::size).containsExactly(10, 10, 10, 5);
            assertThat(model.requests.stream().flatMap(List::stream).toList()).isEqualTo(inputs);
            assertVectors(model, inputs, outcome, List.of());
            assertThat(outcome.rejected()).isEmpty();
            assertThat(outcome.transientFailure()).isNull();
        }
    }

    @Test
    void aRequestIsCutBeforeItsEstimatedTokensPassTheProvidersLimitAndAnOversizedTextGoesAlone() {
        ScriptedModel model = new ScriptedModel(DIMS);
        List<String> inputs = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            inputs.add(String.format("%-60s", "sixty ascii characters, about twenty-one tokens " + i));
        }
        inputs.add(4, "x".repeat(600)); // 201 tokens by the estimate, over the limit of 100 on its own
        assertThat(RequestLimits.estimateTokens(inputs.get(0))).isEqualTo(21);
        try (ResilientEmbedder embedder = new ResilientEmbedder(model, profile(new RequestLimits(1000, 100, 1)),
                new ReembedMetrics())) {
            ResilientEmbedder.Outcome outcome = embedder.embed(inputs, BUDGET);

            // 4 × 21 = 84 tokens fit in 100, a fifth would not.
            assertThat(model.requests).extracting(List::size).containsExactly(4, 1, 4, 1);
            assertThat(model.requests.get(1)).containsExactly("x".repeat(600));
            for (List<String> request : model.requests) {
                long tokens = request.stream().mapToLong(RequestLimits::estimateTokens).sum();
                assertThat(request.size() == 1 || tokens <= 100).as("request %s", request).isTrue();
            }
            assertVectors(model, inputs, outcome, List.of());
        }
    }

    @Test
    void aProviderThatTakesSeveralRequestsAtOnceGetsTheFlushSpreadOverThemAtLeastSixteenTextsEach() {
        RequestLimits limits = new RequestLimits(2048, 300_000, 4);
        ScriptedModel model = new ScriptedModel(DIMS);
        try (ResilientEmbedder embedder = new ResilientEmbedder(model, profile(limits), new ReembedMetrics())) {
            List<String> hundred = texts("spread", 100);
            ResilientEmbedder.Outcome outcome = embedder.embed(hundred, BUDGET);
            assertThat(model.requests).extracting(List::size).containsExactlyInAnyOrder(25, 25, 25, 25);
            assertVectors(model, hundred, outcome, List.of());

            model.requests.clear();
            List<String> forty = texts("few", 40);
            outcome = embedder.embed(forty, BUDGET);
            assertThat(model.requests).extracting(List::size).containsExactlyInAnyOrder(16, 16, 8);
            assertVectors(model, forty, outcome, List.of());
            assertThat(model.textsEmbedded()).isEqualTo(140);
        }
    }

    @Test
    void poisonTextsAreIsolatedByHalvingBreadthFirstAndEveryGoodTextIsEmbeddedOnce() {
        ScriptedModel model = new ScriptedModel(DIMS);
        List<String> inputs = texts("halving", 32);
        inputs.set(3, ScriptedModel.POISON + " three");
        inputs.set(20, ScriptedModel.POISON + " twenty");
        ReembedMetrics metrics = new ReembedMetrics();
        try (ResilientEmbedder embedder = new ResilientEmbedder(model, profile(RequestLimits.IN_PROCESS), metrics)) {
            ResilientEmbedder.Outcome outcome = embedder.embed(inputs, BUDGET);

            assertThat(outcome.rejected()).containsOnlyKeys(3, 20);
            assertThat(outcome.rejected().get(3)).contains("400").contains("maximum context length");
            assertThat(outcome.transientFailure()).isNull();
            assertVectors(model, inputs, outcome, List.of(3, 20));
            for (int i = 0; i < inputs.size(); i++) {
                if (i != 3 && i != 20) {
                    assertThat(model.timesEmbedded(inputs.get(i))).as("text %d", i).isEqualTo(1);
                }
            }
            // Level by level: both halves of a refused request are sent before either is halved again.
            assertThat(model.requests).extracting(List::size)
                    .containsExactly(32, 16, 16, 8, 8, 8, 8, 4, 4, 4, 4, 2, 2, 2, 2, 1, 1, 1, 1);
            assertThat(model.requests.subList(15, 19)).containsExactly(List.of(inputs.get(2)), List.of(inputs.get(3)),
                    List.of(inputs.get(20)), List.of(inputs.get(21)));
        }
    }

    /**
     * A rate limit cuts the search for the poison short. The texts of the refused requests that are still unresolved
     * go alone in the next flush, so the search goes on from where it stood instead of starting over from the
     * whole batch; new texts are planned as usual behind them.
     */
    @Test
    void suspectsOfASearchARateLimitInterruptedGoAloneInTheNextFlush() {
        ScriptedModel model = new ScriptedModel(DIMS);
        List<String> inputs = texts("suspect", 32);
        inputs.set(3, ScriptedModel.POISON + " three");
        inputs.set(20, ScriptedModel.POISON + " twenty");
        // Requests: [0,32) refused, [0,16) refused, [16,32) refused, [0,8) refused, [8,16) embedded, then a 429.
        model.failure = texts -> model.requests.size() == 6 ? ProviderErrors.rateLimited(Duration.ofSeconds(2)) : null;
        try (ResilientEmbedder embedder = new ResilientEmbedder(model, profile(RequestLimits.IN_PROCESS),
                new ReembedMetrics())) {
            ResilientEmbedder.Outcome first = embedder.embed(inputs, BUDGET);

            assertThat(model.requests).hasSize(6);
            assertThat(ModelFailures.classify(first.transientFailure())).isEqualTo(ModelFailures.Kind.RATE_LIMITED);
            assertThat(first.rejected()).isEmpty();
            List<Integer> unresolved = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                if (i < 8 || i >= 16) {
                    unresolved.add(i);
                }
            }
            assertVectors(model, inputs, first, unresolved);

            // The next flush: what is still missing (the caller has the rest in its cache), and five new texts.
            List<String> next = new ArrayList<>();
            unresolved.forEach(i -> next.add(inputs.get(i)));
            List<String> fresh = texts("fresh", 5);
            next.addAll(fresh);
            model.failure = null;
            model.requests.clear();
            ResilientEmbedder.Outcome second = embedder.embed(next, BUDGET);

            assertThat(model.requests).hasSize(25);
            assertThat(model.requests.subList(0, 24)).allSatisfy(request -> assertThat(request).hasSize(1));
            assertThat(model.requests.subList(0, 24).stream().flatMap(List::stream).toList())
                    .containsExactlyElementsOf(next.subList(0, 24));
            assertThat(model.requests.get(24)).isEqualTo(fresh);
            assertThat(second.rejected().values()).hasSize(2);
            assertThat(second.rejected().keySet().stream().map(next::get).toList())
                    .containsExactlyInAnyOrder(inputs.get(3), inputs.get(20));
            for (int i = 0; i < 32; i++) {
                if (i != 3 && i != 20) {
                    assertThat(model.timesEmbedded(inputs.get(i))).as("text %d over both flushes", i).isEqualTo(1);
                }
            }

            // Settled suspects are cleared: a third flush of new texts is one request again.
            model.requests.clear();
            embedder.embed(texts("third", 10), BUDGET);
            assertThat(model.requests).extracting(List::size).containsExactly(10);
        }
    }

    @Test
    void anOutageStopsTheFlushLeavingTheRestUnresolvedAndNothingRejected() {
        ScriptedModel model = new ScriptedModel(DIMS);
        model.failure = texts -> model.requests.size() == 2 ? ProviderErrors.unavailable() : null;
        List<String> inputs = texts("outage", 30);
        try (ResilientEmbedder embedder = new ResilientEmbedder(model, profile(new RequestLimits(10, 1_000_000, 1)),
                new ReembedMetrics())) {
            ResilientEmbedder.Outcome outcome = embedder.embed(inputs, BUDGET);

            assertThat(model.requests).as("no request after the failed one").hasSize(2);
            assertThat(ModelFailures.classify(outcome.transientFailure())).isEqualTo(ModelFailures.Kind.UNAVAILABLE);
            assertThat(outcome.rejected()).isEmpty();
            List<Integer> unresolved = new ArrayList<>();
            for (int i = 10; i < 30; i++) {
                unresolved.add(i);
            }
            assertVectors(model, inputs, outcome, unresolved);
        }
    }

    @Test
    void aRateLimitHalvesTheRequestsInFlightAndPausesTheInstanceACleanFlushAddsOneBack() {
        ScriptedModel model = new ScriptedModel(DIMS);
        model.failure = texts -> ProviderErrors.rateLimited(Duration.ofSeconds(30));
        try (ResilientEmbedder embedder = new ResilientEmbedder(model, profile(new RequestLimits(100, 1_000_000, 4)),
                new ReembedMetrics())) {
            assertThat(embedder.concurrency()).isEqualTo(4);
            embedder.embed(texts("limited", 64), BUDGET);
            assertThat(embedder.concurrency()).isEqualTo(2);
            assertThat(embedder.rateLimited()).as("Retry-After holds for the whole instance").isTrue();
            assertThat(embedder.rateLimitRemaining()).isGreaterThan(Duration.ofSeconds(29));

            model.failure = null;
            embedder.embed(texts("clean", 64), BUDGET);
            assertThat(embedder.concurrency()).isEqualTo(3);
        }
    }

    @Test
    void whenEveryTextOfABatchOfEightIsRefusedTheModelIsBrokenNotTheTexts() {
        ScriptedModel model = new ScriptedModel(DIMS);
        model.failure = texts -> ProviderErrors.inputRefused("API key not valid");
        try (ResilientEmbedder embedder = new ResilientEmbedder(model, profile(RequestLimits.IN_PROCESS),
                new ReembedMetrics())) {
            ResilientEmbedder.Outcome seven = embedder.embed(texts("seven", 7), BUDGET);
            assertThat(seven.rejected()).as("seven refused texts may all be poison").hasSize(7);

            assertThatThrownBy(() -> embedder.embed(texts("eight", 8), BUDGET))
                    .isInstanceOf(ResilientEmbedder.ModelRefusedException.class)
                    .hasMessageContaining("test:scripted").hasMessageContaining("rejected every one of 8 texts")
                    .hasMessageContaining("API key not valid");
        }
    }

    @Test
    void aRefusedSetupStopsAtOnceNamingTheModelAndWhatToCheck() {
        ScriptedModel model = new ScriptedModel(DIMS);
        model.failure = texts -> ProviderErrors.unauthorized();
        try (ResilientEmbedder embedder = new ResilientEmbedder(model, profile(new RequestLimits(10, 1_000_000, 1)),
                new ReembedMetrics())) {
            assertThatThrownBy(() -> embedder.embed(texts("setup", 30), BUDGET))
                    .isInstanceOf(ResilientEmbedder.ModelRefusedException.class)
                    .hasMessageContaining("test:scripted").hasMessageContaining("401")
                    .hasMessageContaining("API key, permissions and model name");
            assertThat(model.requests).as("no second request after a 401").hasSize(1);
        }
    }

    @Test
    void noRequestStartsOnceTheFlushsBudgetIsSpent() {
        ScriptedModel model = new ScriptedModel(DIMS);
        try (ResilientEmbedder embedder = new ResilientEmbedder(model, profile(RequestLimits.IN_PROCESS),
                new ReembedMetrics())) {
            ResilientEmbedder.Outcome outcome = embedder.embed(texts("late", 5), Duration.ZERO);
            assertThat(model.requests).isEmpty();
            assertThat(java.util.Arrays.asList(outcome.vectors())).hasSize(5).containsOnlyNulls();
            assertThat(outcome.rejected()).isEmpty();
            assertThat(outcome.transientFailure()).isNull();
        }
    }

    @Test
    void aModelAnsweringWithOtherDimensionsOrAnotherCountIsAnErrorNotAVector() {
        EmbeddingModel fourDims = new ScriptedModel(4);
        try (ResilientEmbedder embedder = new ResilientEmbedder(fourDims, profile(RequestLimits.IN_PROCESS),
                new ReembedMetrics())) {
            assertThatThrownBy(() -> embedder.embed(texts("dims", 3), BUDGET))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("4-d vector")
                    .hasMessageContaining("says " + DIMS);
        }
        EmbeddingModel oneShort = new EmbeddingModel() {
            @Override
            public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
                return Response.from(List.of(Embedding.from(new float[DIMS])));
            }
        };
        try (ResilientEmbedder embedder = new ResilientEmbedder(oneShort, profile(RequestLimits.IN_PROCESS),
                new ReembedMetrics())) {
            assertThatThrownBy(() -> embedder.embed(texts("count", 3), BUDGET))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("returned 1 vectors for 3 texts");
        }
    }

    @Test
    void theInputOrderIsKeptWhateverTheRequestsAndTheirConcurrency() {
        ScriptedModel model = new ScriptedModel(DIMS);
        List<String> inputs = texts("order", 200);
        inputs.set(77, ScriptedModel.POISON + " seventy-seven");
        try (ResilientEmbedder embedder = new ResilientEmbedder(model, profile(new RequestLimits(30, 1_000_000, 4)),
                new ReembedMetrics())) {
            ResilientEmbedder.Outcome outcome = embedder.embed(inputs, BUDGET);
            assertThat(outcome.rejected()).containsOnlyKeys(77);
            assertVectors(model, inputs, outcome, List.of(77));
            assertThat(outcome.rejected().get(77)).startsWith("ProviderHttpException 400");
        }
    }
}
