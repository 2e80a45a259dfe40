package io.memshift.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exit code tells a script what to do next: 2, fix the input; 3, the source could not be read (try again
 * later, or check its address and key). Every cluster here is a closed port: the source fails first.
 */
@Tag("fast")
class ExitCodesTest {

    @TempDir
    Path dir;

    @Test
    void anUnreachableSourceExitsWith3AndNamesIt() throws IOException {
        String source = "http://127.0.0.1:" + OfflineCli.closedPort() + "/mem0";
        OfflineCli.Run run = export("mem0-es:" + source);
        assertThat(run.exitCode()).isEqualTo(Memshift.EXIT_SOURCE_UNAVAILABLE).isEqualTo(3);
        assertThat(run.err()).startsWith("memshift: error: cannot read source " + source + ": cannot reach Elasticsearch")
                .doesNotContain("nothing was published");
    }

    @Test
    void aBadRecordExitsWith2AndSaysNothingWasPublished() throws IOException {
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, "{\"id\": \"a\", \"memory\": \"fine\"}\n{\"id\": \"b\"}\n", StandardCharsets.UTF_8);
        OfflineCli.Run run = export("jsonl:" + file);
        assertThat(run.exitCode()).isEqualTo(Memshift.EXIT_BAD_INPUT);
        assertThat(run.err()).contains("invalid source " + file + ": nothing was published")
                .contains("bad.jsonl:2: memory id=b: field 'memory' is missing");
    }

    @Test
    void aBulkConcurrencyOutOfRangeExitsWith2BeforeAnyClusterIsAsked() throws IOException {
        Path file = dir.resolve("fine.jsonl");
        Files.writeString(file, "{\"id\": \"a\", \"memory\": \"fine\"}\n", StandardCharsets.UTF_8);
        for (String command : new String[] {"migrate", "import"}) {
            OfflineCli.Run run = command.equals("migrate")
                    ? OfflineCli.run(dir.resolve("data"), "migrate", "--source", "jsonl:" + file, "--model", "stub:8",
                            "--bulk-concurrency", "0")
                    : OfflineCli.run(dir.resolve("data"), "import", "--model", "stub:8", "--bulk-concurrency", "65");
            assertThat(run.exitCode()).as(command).isEqualTo(Memshift.EXIT_BAD_INPUT);
            assertThat(run.err()).as(command).contains("--bulk-concurrency: ")
                    .contains(command.equals("migrate") ? "0 is not between 1 and 64" : "65 is not between 1 and 64");
        }
    }

    @Test
    void aClusterThatDoesNotAnswerIsNamedWithItsAddressByTheAliasCommands() throws IOException {
        for (String[] command : new String[][] {{"rollback", "--alias", "a"}, {"cutover", "--alias", "a", "--index", "i"}}) {
            OfflineCli.Run run = OfflineCli.run(dir.resolve("data"), command);
            assertThat(run.exitCode()).as(command[0]).isEqualTo(Memshift.EXIT_FAILED);
            // Each command once said only "cannot check index i", naming neither the cluster nor why.
            assertThat(run.err()).as(command[0]).containsPattern("Elasticsearch at http://127\\.0\\.0\\.1:\\d+ (is|are) not answering")
                    .contains("Connection refused");
        }
    }

    @Test
    void anIndexShapeElasticsearchWouldRefuseExitsWith2NamingTheOptionBeforeAnyClusterIsAsked() throws IOException {
        Path file = dir.resolve("fine.jsonl");
        Files.writeString(file, "{\"id\": \"a\", \"memory\": \"fine\"}\n", StandardCharsets.UTF_8);
        String[][] cases = {
            {"--similarity", "nope", "--similarity: unknown similarity 'nope'; known: cosine, dot_product"},
            {"--index-options", "int3_hnsw", "--index-options: unknown index type 'int3_hnsw'; known: hnsw, int8_hnsw"},
            {"--shards", "0", "--shards: 0 is not between 1 and 1024"},
            {"--replicas", "-1", "--replicas: -1 is negative"},
        };
        for (String[] bad : cases) {
            // migrate once answered with the Elasticsearch client's deserialization error, exit 1, after reading
            // the source; plan printed a plan (with a size for -1 replicas).
            OfflineCli.Run run = OfflineCli.run(dir.resolve("data"), "migrate", "--source", "jsonl:" + file,
                    "--model", "stub:8", bad[0], bad[1]);
            assertThat(run.exitCode()).as("migrate " + bad[0]).isEqualTo(Memshift.EXIT_BAD_INPUT);
            assertThat(run.err()).as("migrate " + bad[0]).contains(bad[2]).doesNotContain("not answering");
            // plan needs no cluster: run in process.
            java.io.StringWriter out = new java.io.StringWriter();
            java.io.StringWriter err = new java.io.StringWriter();
            picocli.CommandLine plan = Memshift.commandLine();
            plan.setOut(new java.io.PrintWriter(out, true));
            plan.setErr(new java.io.PrintWriter(err, true));
            assertThat(plan.execute("plan", "--source", "jsonl:" + file, "--model", "stub:8", bad[0], bad[1]))
                    .as("plan " + bad[0]).isEqualTo(Memshift.EXIT_BAD_INPUT);
            assertThat(err.toString()).as("plan " + bad[0]).contains(bad[2]);
            assertThat(out.toString()).as("plan " + bad[0]).doesNotContain("index about");
        }
    }

    @Test
    void numbersNoCommandCanUseAndAMissingQueryFileExitWith2NamingTheOptionBeforeAnyClusterIsAsked() throws IOException {
        Path file = dir.resolve("fine.jsonl");
        Files.writeString(file, "{\"id\": \"a\", \"memory\": \"fine\"}\n", StandardCharsets.UTF_8);
        String source = "jsonl:" + file;
        String[][] cases = {
            // Each once answered with Java's or Elasticsearch's own words, exit 1, or went on without a word.
            {"--sample: -1 is not a positive number of memories", "verify", "--source", source, "--index", "i", "--sample", "-1"},
            {"--k: 0 is not between 1 and 2500", "verify", "--source", source, "--index", "i", "--k", "0"},
            {"--queries: the file " + dir.resolve("nope.txt") + " does not exist", "verify", "--source", source,
                "--index", "i", "--queries", dir.resolve("nope.txt").toString()},
            {"--k: 5000 is not between 1 and 2500", "search", "--alias", "a", "--k", "5000", "python"},
            {"--batch-size: -5 is not a positive number of memories", "migrate", "--source", source, "--model", "stub:8",
                "--batch-size", "-5"},
            {"--max-wait-ms: -1 is negative", "migrate", "--source", source, "--model", "stub:8", "--max-wait-ms", "-1"},
            {"--index BadIndex: Elasticsearch index and alias names are lower case", "check", "--index", "BadIndex"},
            {"--alias _memories: it cannot start with _", "check", "--alias", "_memories"},
        };
        for (String[] bad : cases) {
            String[] args = java.util.Arrays.copyOfRange(bad, 1, bad.length);
            OfflineCli.Run run = OfflineCli.run(dir.resolve("data"), args);
            assertThat(run.exitCode()).as(String.join(" ", args) + ": " + run.err()).isEqualTo(Memshift.EXIT_BAD_INPUT);
            assertThat(run.err()).as(String.join(" ", args)).contains(bad[0]).doesNotContain("not answering");
        }
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine plan = Memshift.commandLine();
        plan.setOut(new java.io.PrintWriter(out, true));
        plan.setErr(new java.io.PrintWriter(err, true));
        assertThat(plan.execute("plan", "--source", source, "--model", "stub:8", "--users", "-1"))
                .isEqualTo(Memshift.EXIT_BAD_INPUT);
        assertThat(err.toString()).contains("--users: -1 is negative").doesNotContain("fromIndex");
        assertThat(out.toString()).as("nothing of the plan printed").isEmpty();
    }

    @Test
    void aCutoverToAnAliasTheAppCannotReadExitsWith2BeforeAnyClusterIsAsked() throws IOException {
        // Elasticsearch itself takes an upper-case alias: the cutover would succeed beside the app's "memories".
        OfflineCli.Run upper = OfflineCli.run(dir.resolve("data"), "cutover", "--alias", "Memories", "--index", "i");
        assertThat(upper.exitCode()).isEqualTo(Memshift.EXIT_BAD_INPUT);
        assertThat(upper.err()).contains("--alias Memories: Elasticsearch index and alias names are lower case")
                .doesNotContain("not answering");
        OfflineCli.Run keepAs = OfflineCli.run(dir.resolve("data"), "cutover", "--alias", "memories", "--index", "i",
                "--take-over-index", "--keep-as", "old copy");
        assertThat(keepAs.exitCode()).isEqualTo(Memshift.EXIT_BAD_INPUT);
        assertThat(keepAs.err()).contains("--keep-as old copy: it cannot hold ' '");
    }

    private OfflineCli.Run export(String source) throws IOException {
        return OfflineCli.run(dir.resolve("data"), "export", "--source", source);
    }
}
