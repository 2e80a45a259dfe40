package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.Pipeline;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.Topics;
import io.memshift.schemas.testing.CommittedRecords;
import java.io.BufferedWriter;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 the exporter part-way through a large file, run it again: read_committed sees each memory once on the
 * pipeline's intake (where the exporter publishes), and, once the export completed, on its log (where the version
 * gate forwards it).
 */
@ExtendWith(EmbeddedStackExtension.class)
class ExporterCrashTest {

    private static final int MEMORIES = 60_000;
    /** Not the shared memories topic: the other tests of this JVM must not re-embed 60,000 memories. */
    private static final String TOPIC = "export-crash-memories";
    /** The export publishes here; the version gate runs only once an export completes, so kills see it alone. */
    private static final String INTAKE = Pipeline.ofLog(TOPIC).intake();

    @TempDir
    Path dir;

    @Test
    void anExportKilledMidwayAndRunAgainPublishesEachMemoryExactlyOnce(StackEndpoints stack) throws Exception {
        long seed = System.nanoTime();
        System.out.println("ExporterCrashTest seed " + seed);
        Random random = new Random(seed);
        Path file = bigExport(random);
        SchemaRegistryClient registry = new SchemaRegistryClient(stack.schemaRegistryUrl());

        List<Long> publishedAtKill = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            long validationsBefore = validationsLogged();
            long committedBefore = FirstCommit.committedEnd(stack.bootstrapServers(), INTAKE);
            Process victim = export(stack, file);
            long deadline = System.currentTimeMillis() + 120_000;
            while (victim.isAlive() && validationsLogged() == validationsBefore && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            if (i % 2 == 0) {
                // Just after this run's first transactions commit: a whole publish of 60,000 takes about a second
                // on a quiet machine (a transaction per 1,000 memories), so a kill at a random instant after the
                // validation line can come after the last commit (it did, in all four kills of a CI run).
                FirstCommit.await(victim, deadline, Duration.ofMillis(5),
                        () -> FirstCommit.committedEnd(stack.bootstrapServers(), INTAKE) > committedBefore);
                Thread.sleep(random.nextInt(40));
            } else {
                // At a random instant within 2.5 s of the validation line, as the publish phase begins.
                Thread.sleep(300 + random.nextInt(2200));
            }
            if (victim.isAlive()) {
                victim.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                publishedAtKill.add((long) countOurs(stack, registry, INTAKE).values().stream()
                        .mapToInt(Integer::intValue).sum());
            }
        }
        Process last = export(stack, file);
        assertThat(last.waitFor(5, TimeUnit.MINUTES)).isTrue();
        String log = Files.readString(dir.resolve("export.log"));
        assertThat(last.exitValue()).as(log).isZero();

        // At least one kill landed mid-publish, after some transactions committed and before the last.
        assertThat(publishedAtKill).anyMatch(n -> n > 0 && n < MEMORIES);
        Map<String, Integer> counts = countOurs(stack, registry, INTAKE);
        assertThat(counts).hasSize(MEMORIES);
        assertThat(counts.values()).allMatch(n -> n == 1);
        assertThat(log).contains("Resumed an interrupted export");
        Map<String, Integer> onLog = countOurs(stack, registry, TOPIC);
        assertThat(onLog).hasSize(MEMORIES);
        assertThat(onLog.values()).allMatch(n -> n == 1);

        // Once complete, a further run publishes nothing.
        Process again = export(stack, file);
        assertThat(again.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(Files.readString(dir.resolve("export.log"))).contains("nothing published");
        Map<String, Integer> afterRerun = countOurs(stack, registry, INTAKE);
        assertThat(afterRerun).hasSize(MEMORIES);
        assertThat(afterRerun.values()).allMatch(n -> n == 1);
        System.out.println("ExporterCrashTest: published at each kill " + publishedAtKill + "; " + MEMORIES + " memories once each");
    }

    /** How many validation passes the exporter runs have finished, by the progress lines in their log. */
    private long validationsLogged() throws Exception {
        Path log = dir.resolve("export.log");
        if (!Files.exists(log)) {
            return 0;
        }
        return Files.readAllLines(log).stream().filter(line -> line.startsWith("[validate]")).count();
    }

    private Path bigExport(Random random) throws Exception {
        Path file = dir.resolve("big-export.json");
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write("{\"results\": [\n");
            for (int i = 0; i < MEMORIES; i++) {
                out.write(String.format("%s{\"id\": \"big-%d\", \"memory\": \"User %d prefers option %d for task %d\","
                                + " \"hash\": \"%08x\", \"metadata\": {\"n\": %d}, \"categories\": [\"c%d\"],"
                                + " \"created_at\": \"2024-05-01T10:00:00.%06d-07:00\", \"updated_at\": null, \"user_id\": \"u%d\"}%n",
                        i == 0 ? "" : ",", i, i % 500, random.nextInt(1000), i, random.nextInt(), i, i % 7, i % 1_000_000, i % 500));
            }
            out.write("]}\n");
        }
        return file;
    }

    private Process export(StackEndpoints stack, Path file) throws Exception {
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-Dmemshift.home=" + System.getProperty("memshift.home"),
                "-Dmemshift.logdir=" + dir.resolve("logs"),
                "-cp", System.getProperty("java.class.path"), "io.memshift.cli.Memshift",
                "export", "--source", "mem0-json:" + file, "--topic", TOPIC,
                "--bootstrap-servers", stack.bootstrapServers(), "--schema-registry", stack.schemaRegistryUrl(),
                "--es", stack.elasticsearchUrl());
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("export.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    /** How many times read_committed sees each of this test's memories on {@code topic} (none before it exists). */
    private static Map<String, Integer> countOurs(StackEndpoints stack, SchemaRegistryClient registry, String topic) {
        Map<String, Integer> counts = new HashMap<>();
        for (ConsumerRecord<String, MemoryEvent> record : CommittedRecords.readToEnd(stack.bootstrapServers(),
                Topics.memories(topic, registry))) {
            counts.merge(record.key(), 1, Integer::sum);
        }
        return counts;
    }
}
