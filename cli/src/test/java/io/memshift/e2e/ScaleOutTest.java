package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.reembedder.Vectors;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several instances of each stage share one pipeline: 3 re-embedders and 2 importers, separate processes on one
 * data folder, on a pipeline of 6 partitions. One of each is killed with kill -9 mid-run; the others take its
 * partitions over, and the index ends exactly as a clean run's.
 */
@ExtendWith(EmbeddedStackExtension.class)
class ScaleOutTest {

    private static final String MODEL = "onnx:all-minilm-l6-v2-q";
    private static final String SLUG = "onnx-all-minilm-l6-v2-q";
    private static final int MEMORIES = 3000;

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();

    @Test
    void threeReembeddersAndTwoImportersOneOfEachKilledFillTheIndexAsACleanRun(StackEndpoints stack) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 6);
        String pipeline = "scale-" + run;
        List<String> ids = Stores.ids("s-" + run, MEMORIES);
        Path store = Stores.write(dir.resolve(pipeline + ".jsonl"), ids, Instant.parse("2025-04-01T10:00:00Z"));
        Cli.Result exported = Cli.run("export", "--source", "jsonl:" + store, "--partitions", "6",
                "--bootstrap-servers", stack.bootstrapServers(), "--schema-registry", stack.schemaRegistryUrl(),
                "--es", stack.elasticsearchUrl(), "--data-dir", dir.resolve("export").toString());
        assertThat(exported.exitCode()).as(exported.out() + exported.err()).isZero();

        String index = "scaled-" + pipeline;
        try {
            List<Process> reembedders = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                reembedders.add(start(stack, "reembed-" + i, "reembed", "--model", MODEL, "--pipeline", pipeline,
                        "--batch-size", "32"));
            }
            List<Process> importers = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                importers.add(start(stack, "import-" + i, "import", "--model", MODEL, "--pipeline", pipeline,
                        "--index", index));
            }
            // Mid-run: once the index has some memories, but far from all.
            long deadline = System.currentTimeMillis() + 300_000;
            while (countLive(stack, index) < MEMORIES / 10 && System.currentTimeMillis() < deadline) {
                Thread.sleep(500);
            }
            long atKill = countLive(stack, index);
            assertThat(atKill).as("the kill must hit a run in progress").isBetween(1L, (long) MEMORIES - 1);
            reembedders.get(0).destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            importers.get(0).destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            for (String survivor : List.of("reembed-1", "reembed-2", "import-1")) {
                Process process = survivor.startsWith("reembed") ? reembedders.get(survivor.endsWith("1") ? 1 : 2)
                        : importers.get(1);
                assertThat(process.isAlive()).as("a second instance must not fence the first; %s said:%n%s", survivor,
                        logsOf(survivor)).isTrue();
            }

            deadline = System.currentTimeMillis() + 600_000;
            while (countLive(stack, index) < MEMORIES && System.currentTimeMillis() < deadline) {
                Thread.sleep(1_000);
            }
            System.out.println("ScaleOutTest: killed at " + atKill + " of " + MEMORIES);
        } finally {
            processes.forEach(Process::destroy);
            for (Process process : processes) {
                process.waitFor(60, TimeUnit.SECONDS);
            }
        }

        // The clean run: one re-embedder replaying the same log, one importer, into an index of its own.
        Cli.Result replay = Cli.run("reembed", "--model", MODEL, "--pipeline", pipeline, "--replay",
                "--until-caught-up", "--bootstrap-servers", stack.bootstrapServers(), "--schema-registry",
                stack.schemaRegistryUrl(), "--es", stack.elasticsearchUrl(), "--data-dir", dir.resolve("clean").toString());
        assertThat(replay.exitCode()).as(replay.out() + replay.err()).isZero();
        String clean = "clean-" + pipeline;
        Cli.Result imported = Cli.run("import", "--model", MODEL, "--pipeline", pipeline, "--topic",
                "memories." + pipeline + ".embedded." + SLUG + ".g2", "--index", clean, "--until-caught-up",
                "--bootstrap-servers", stack.bootstrapServers(), "--schema-registry", stack.schemaRegistryUrl(),
                "--es", stack.elasticsearchUrl(), "--data-dir", dir.resolve("clean").toString());
        assertThat(imported.exitCode()).as(imported.out() + imported.err()).isZero();

        Map<String, JsonNode> scaled = withVectors(stack, index);
        Map<String, JsonNode> reference = withVectors(stack, clean);
        assertThat(scaled.keySet()).isEqualTo(new TreeSet<>(ids)).isEqualTo(reference.keySet());
        for (String id : ids) {
            ObjectNode a = (ObjectNode) scaled.get(id).deepCopy();
            ObjectNode b = (ObjectNode) reference.get(id).deepCopy();
            // The vector: "vector" in the mem0 layout (the default), "embedding" in the memshift one.
            String field = a.has("vector") ? "vector" : "embedding";
            double cosine = Vectors.cosine(floats(a.remove(field)), floats(b.remove(field)));
            assertThat(cosine).as(id).isGreaterThanOrEqualTo(0.99999);
            assertThat(a).as(id).isEqualTo(b);
        }
        assertThat(logsOf("reembed-1") + logsOf("reembed-2") + logsOf("import-1")).doesNotContain("fenced");
    }

    private Process start(StackEndpoints stack, String name, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx768m",
                "-Dmemshift.home=" + System.getProperty("memshift.home"),
                "-Dmemshift.logdir=" + dir.resolve("logs-" + name),
                "-cp", System.getProperty("java.class.path"), "io.memshift.cli.Memshift"));
        command.addAll(List.of(args));
        // One data folder for all: each process claims an instance slot of its own in it.
        command.addAll(List.of("--bootstrap-servers", stack.bootstrapServers(), "--schema-registry",
                stack.schemaRegistryUrl(), "--es", stack.elasticsearchUrl(), "--data-dir", dir.resolve("data").toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".out").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        processes.add(process);
        return process;
    }

    private String logsOf(String name) throws Exception {
        Path out = dir.resolve(name + ".out");
        return Files.exists(out) ? Files.readString(out) : "";
    }

    private static long countLive(StackEndpoints stack, String index) throws Exception {
        return IndexContents.exists(stack, index) ? IndexContents.liveIds(stack, index).size() : 0;
    }

    private static Map<String, JsonNode> withVectors(StackEndpoints stack, String index) throws Exception {
        return IndexContents.documentsWithVectors(stack, index);
    }

    private static float[] floats(JsonNode array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) array.get(i).asDouble();
        }
        return values;
    }
}
