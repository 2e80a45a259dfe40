package io.memshift.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("fast")
class PriceTableTest {

    @TempDir
    Path dir;

    @Test
    void theBuiltInTableIsDatedAndPricesOpenAisAndGeminisModels() {
        PriceTable table = PriceTable.builtIn();
        assertThat(table.asOf()).matches("\\d{4}-\\d{2}-\\d{2}");
        assertThat(table.lookup("openai:text-embedding-3-small")).get()
                .isEqualTo(new PriceTable.Entry("openai:text-embedding-3-small", 0.02, 1_000_000L, 3_000L));
        assertThat(table.lookup("openai:text-embedding-3-large").orElseThrow().usdPerMillion()).isEqualTo(0.13);
        assertThat(table.lookup("openai:text-embedding-ada-002").orElseThrow().usdPerMillion()).isEqualTo(0.10);
        assertThat(table.lookup("gemini:gemini-embedding-001").orElseThrow().usdPerMillion()).isEqualTo(0.15);
        // Models that run here cost nothing and have no provider limits: a whole provider by its wildcard row.
        assertThat(table.lookup("onnx:e5-small-v2")).get()
                .isEqualTo(new PriceTable.Entry("onnx:*", 0.0, null, null));
        assertThat(table.lookup("ollama:nomic-embed-text").orElseThrow().usdPerMillion()).isZero();
        assertThat(table.lookup("gemini:text-embedding-004")).isEmpty();
    }

    @Test
    void aPriceFileReplacesRowsModelByModelAndTheDate() throws Exception {
        Path file = dir.resolve("prices.txt");
        Files.write(file, List.of("# our negotiated prices", "as-of 2027-01-31",
                "openai:text-embedding-3-small  0.01  5000000  10000", "gemini:*  0.2  -  -"));
        PriceTable table = PriceTable.builtIn().overriddenBy(file);
        assertThat(table.asOf()).isEqualTo("2027-01-31");
        assertThat(table.source()).endsWith("overridden by " + file);
        assertThat(table.lookup("openai:text-embedding-3-small")).get()
                .isEqualTo(new PriceTable.Entry("openai:text-embedding-3-small", 0.01, 5_000_000L, 10_000L));
        assertThat(table.lookup("openai:text-embedding-3-large").orElseThrow().usdPerMillion()).isEqualTo(0.13);
        assertThat(table.lookup("gemini:text-embedding-004").orElseThrow().usdPerMillion()).isEqualTo(0.2);
        // A model's own row still wins over its provider's wildcard.
        assertThat(table.lookup("gemini:gemini-embedding-001").orElseThrow().usdPerMillion()).isEqualTo(0.15);
    }

    @Test
    void aBadPriceFileIsRefusedNamingTheFileAndLine() throws Exception {
        Path file = dir.resolve("bad.txt");
        Files.write(file, List.of("# fine", "openai:text-embedding-3-small  cheap  1  1"));
        assertThatThrownBy(() -> PriceTable.builtIn().overriddenBy(file)).isInstanceOf(InvalidRequestException.class)
                .hasMessage(file + ":2: usd_per_1m_tokens must be a number of dollars, 0 or more, or '-'; got 'cheap'");
        Files.write(file, List.of("openai:text-embedding-3-small  0.02  1000"));
        assertThatThrownBy(() -> PriceTable.builtIn().overriddenBy(file)).hasMessageStartingWith(file + ":1: expected 4 columns");
        Files.write(file, List.of("text-embedding-3-small  0.02  1000  1"));
        assertThatThrownBy(() -> PriceTable.builtIn().overriddenBy(file)).hasMessageContaining("is not a model id");
        Files.write(file, List.of("openai:x  0.02  0  1"));
        assertThatThrownBy(() -> PriceTable.builtIn().overriddenBy(file)).hasMessageContaining("tokens_per_minute must be a whole number above 0");
        assertThatThrownBy(() -> PriceTable.builtIn().overriddenBy(dir.resolve("none.txt")))
                .hasMessage("price file " + dir.resolve("none.txt") + " does not exist");
    }
}
