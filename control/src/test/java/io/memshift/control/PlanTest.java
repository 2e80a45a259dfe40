package io.memshift.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.memshift.exporter.JsonLinesReader;
import io.memshift.importer.BulkEncoding;
import io.memshift.importer.DocumentLayout;
import io.memshift.importer.ImporterConfig;
import io.memshift.exporter.MemoryEventConverter;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** plan over a small JSON Lines source: no servers, no key. */
@Tag("fast")
class PlanTest {

    private static final List<String> TEXTS = List.of("Prefers Python for ML experiments.",
            "Allergic to peanuts", "Lives in Lisbon since 2021; works remotely.", "Prefers Python for ML experiments.");

    @TempDir
    Path dir;

    private Path source() throws Exception {
        Path file = dir.resolve("memories.jsonl");
        Files.write(file, List.of(
                "{\"id\":\"m1\",\"memory\":\"" + TEXTS.get(0) + "\",\"user_id\":\"alice\",\"agent_id\":\"a1\",\"run_id\":\"r1\",\"created_at\":\"2024-01-01T00:00:00Z\"}",
                "{\"id\":\"m2\",\"memory\":\"" + TEXTS.get(1) + "\",\"user_id\":\"alice\",\"agent_id\":\"a2\",\"created_at\":\"2024-01-01T00:00:00Z\"}",
                "{\"id\":\"m3\",\"memory\":\"" + TEXTS.get(2) + "\",\"user_id\":\"bob\",\"run_id\":\"r1\",\"created_at\":\"2024-01-01T00:00:00Z\"}",
                "{\"id\":\"m4\",\"memory\":\"" + TEXTS.get(3) + "\",\"created_at\":\"2024-01-01T00:00:00Z\"}",
                // a newer version of m2: one memory, counted once, with its newest text
                "{\"id\":\"m2\",\"memory\":\"Allergic to peanuts\",\"user_id\":\"alice\",\"created_at\":\"2024-01-01T00:00:00Z\",\"updated_at\":\"2024-02-01T00:00:00Z\"}",
                "{\"id\":\"bad\",\"memory\":42}"));
        return file;
    }

    private static PlanReport plan(Path source, String model, int speedSample) {
        Plan.Options options = new Plan.Options(model, PriceTable.builtIn(),
                new IndexShape(DocumentLayout.MEM0, "cosine", "int8_hnsw", 1, 0, BulkEncoding.JSON,
                        ImporterConfig.DEFAULT_MAX_IN_FLIGHT), 256, speedSample, MemoryEventConverter.DEFAULT_MAX_TEXT_CHARS, 42);
        return new Plan(options, Map.of()).run(new JsonLinesReader(source));
    }

    @Test
    void countsMemoriesPerUserAgentsRunsAndInvalidRecords() throws Exception {
        PlanReport report = plan(source(), "onnx:e5-small-v2-q", 0);
        assertThat(report.memories()).isEqualTo(4);
        assertThat(report.users()).containsExactly(new PlanReport.UserCount("alice", 2),
                new PlanReport.UserCount("(no user)", 1), new PlanReport.UserCount("bob", 1));
        assertThat(report.agents()).isEqualTo(1); // m2's newest version has no agent any more
        assertThat(report.runs()).isEqualTo(1);
        assertThat(report.invalid()).isEqualTo(1);
        assertThat(report.problems()).singleElement().asString().contains("memories.jsonl:6", "field 'memory' must be a string");
        assertThat(report.dims()).isEqualTo(384);
        assertThat(report.time().basis()).isEqualTo("unknown");
    }

    @Test
    void tokensAreTheModelsOwnOverItsInputPrefixIncluded() throws Exception {
        PlanReport report = plan(source(), "onnx:e5-small-v2-q", 0);
        long expected = 0;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("e5-small-v2-q-tokenizer.json")) {
            HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(in, Map.of("padding", "false"));
            for (String text : TEXTS) {
                expected += tokenizer.encode("passage: " + text).getIds().length; // e5 reads memories as passages
            }
        }
        assertThat(report.tokens().exact()).isTrue();
        assertThat(report.tokens().total()).isEqualTo(expected);
        assertThat(report.tokens().distinctTexts()).isEqualTo(3);
        assertThat(report.cost().usd()).isZero();
    }

    @Test
    void aPaidModelIsPricedAndTimedByItsRateLimitsWithoutAKey() throws Exception {
        PlanReport report = plan(source(), "openai:text-embedding-3-small", 0);
        assertThat(report.dims()).isEqualTo(1536);
        assertThat(report.tokens().method()).contains("cl100k_base");
        assertThat(report.cost().usdPerMillion()).isEqualTo(0.02);
        assertThat(report.cost().usd()).isCloseTo(report.tokens().total() * 0.02 / 1e6, within(1e-12));
        assertThat(report.cost().asOf()).isEqualTo(PriceTable.builtIn().asOf());
        assertThat(report.time().basis()).isEqualTo("rate-limits");
        // 4 memories: one request (a flush of 256 is spread over 4 requests of 64), which 3,000 requests/min
        // let go in 0.02 s; the tokens take less at 1,000,000 tokens/min.
        assertThat(report.time().seconds()).isCloseTo(60.0 / 3000, within(1e-9));
        assertThat(report.index().dims()).isEqualTo(1536);
        assertThat(report.index().vectors()).isEqualTo(4);
    }

    @Test
    void aModelWithoutPriceOrLimitsSaysSoAndIsEstimated() throws Exception {
        PlanReport report = plan(source(), "gemini:text-embedding-004", 0);
        assertThat(report.cost().usd()).isNull();
        assertThat(report.time().seconds()).isNull();
        assertThat(report.time().detail()).contains("no rate limits for gemini:text-embedding-004", "--prices");
        assertThat(report.tokens().exact()).isFalse();
        assertThat(report.tokens().method()).startsWith("estimate");
    }

    @Test
    void aModelThatRunsHereIsTimedOnASampleOfTheSourcesTexts() throws Exception {
        PlanReport report = plan(source(), "onnx:all-minilm-l6-v2-q", 3);
        assertThat(report.time().basis()).isEqualTo("measured");
        assertThat(report.time().seconds()).isPositive();
        assertThat(report.time().detail()).startsWith("measured here: 3 of the source's texts embedded in");
    }
}
