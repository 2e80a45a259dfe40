package io.memshift.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.memshift.control.Search;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** How search prints: no servers. */
@Tag("fast")
class SearchCommandTest {

    private static Search.Found found(int rank, String id, String text) {
        return new Search.Found(rank, 0.9 - rank / 100.0, id, "alice", text);
    }

    @Test
    void sideBySideColumnsLineUpAndTheCommonHitsAreCounted() {
        Search.Side hits = new Search.Side("search-b", "search-b", "onnx:bge-small-en-v15-q", List.of(
                found(1, "m1", "Prefers Python for ML experiments. Noted during onboarding, and again later."),
                found(2, "m2", "Allergic to peanuts"), found(3, "m3", "Lives in Lisbon")));
        Search.Side old = new Search.Side("memories", "memories-old-1", "onnx:all-minilm-l6-v2-q", List.of(
                found(1, "m1", "Prefers Python for ML experiments. Noted during onboarding, and again later."),
                found(2, "m9", "Plays the cello")));
        StringWriter text = new StringWriter();
        SearchCommand.print(new PrintWriter(text, true), new Search.Result("python", null, 3, hits, old));

        List<String> lines = text.toString().lines().toList();
        List<String> table = lines.stream().filter(l -> l.contains(" | ")).toList();
        assertThat(table).hasSize(5); // the two indices, the column names, three ranks
        assertThat(table).extracting(l -> l.indexOf(" | ")).containsOnly(table.get(0).indexOf(" | "));
        assertThat(table.get(0)).contains("search-b (onnx:bge-small-en-v15-q)",
                "memories -> memories-old-1 (onnx:all-minilm-l6-v2-q)");
        assertThat(table.get(2)).startsWith("   1  0.8900  alice        Prefers Python for ML experiments. No...");
        assertThat(table.get(4)).startsWith("   3  0.8700  alice        Lives in Lisbon").endsWith(" | " + " ".repeat(61));
        assertThat(lines).contains("in both: 1 of 3");
    }

    @Test
    void oneIndexListsRankScoreUserIdAndTheWholeText() {
        Search.Side hits = new Search.Side("memories", "memories-x-1", "onnx:e5-small-v2", List.of(
                found(1, "m1", "Prefers Python for ML experiments. Noted during onboarding, and again later.")));
        StringWriter text = new StringWriter();
        SearchCommand.print(new PrintWriter(text, true), new Search.Result("python", "alice", 10, hits, null));
        assertThat(text.toString()).contains("Search \"python\" for user alice, k=10",
                "memories -> memories-x-1 (onnx:e5-small-v2)",
                "   1  0.8900  alice          m1                                     Prefers Python for ML experiments."
                        + " Noted during onboarding, and again later.");
    }
}
