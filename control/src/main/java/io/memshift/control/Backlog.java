package io.memshift.control;

import io.memshift.clients.KafkaSettings;
import io.memshift.importer.ConsumerGroupLag;
import io.memshift.importer.ImporterConfig;
import io.memshift.reembedder.Reembedder;
import io.memshift.reembedder.VersionGate;
import io.memshift.schemas.Stage;

/**
 * What a stage still has to do, counted in records: its consumer group's lag on its input plus, for the
 * re-embedder, the memories waiting in a batch. "Caught up" is a running stage with nothing left.
 */
public final class Backlog {

    private Backlog() {
    }

    /** Records the re-embedder has yet to read, plus those read and waiting in a batch. */
    public static long reembedder(KafkaSettings kafka, Reembedder reembedder, String inputTopic) {
        return Math.max(0, ConsumerGroupLag.of(kafka, reembedder.applicationId(), inputTopic))
                + reembedder.metrics().pending();
    }

    /** Events the version gate has yet to read from its pipeline's intake. */
    public static long gate(KafkaSettings kafka, VersionGate gate) {
        return Math.max(0, ConsumerGroupLag.of(kafka, gate.applicationId(), gate.pipeline().intake()));
    }

    /** Running, and its group committed up to the end of the intake: every event published is on the log (or stale). */
    public static boolean gateCaughtUp(KafkaSettings kafka, VersionGate gate) {
        return gate.health().state() == Stage.State.RUNNING
                && ConsumerGroupLag.of(kafka, gate.applicationId(), gate.pipeline().intake()) == 0;
    }

    /**
     * Waits until the gate has read everything on its intake (forwarded to the log, or held back as stale), so
     * that what was published is on the log when a command that published it ends.
     *
     * @throws MigrationFailedException if the gate stops, or is not through within {@code timeout}
     */
    public static void awaitGate(KafkaSettings kafka, VersionGate gate, java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!gateCaughtUp(kafka, gate)) {
            try {
                gate.requireAlive();
            } catch (io.memshift.schemas.StageFailedException e) {
                throw new MigrationFailedException(e.getMessage(), e);
            }
            if (System.nanoTime() > deadline) {
                throw new MigrationFailedException("the version gate of pipeline " + gate.pipeline().name() + " still"
                        + " has " + gate(kafka, gate) + " events of " + gate.pipeline().intake() + " to read after "
                        + timeout.toSeconds() + " s; they are durable there and reach the log "
                        + gate.pipeline().log() + " as soon as any memshift process of the pipeline runs its gate"
                        + " (ingest, reembed, export, migrate)");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MigrationFailedException("interrupted");
            }
        }
    }

    /** Records the importer has yet to write into its index. */
    public static long importer(ImporterConfig config) {
        return Math.max(0, ConsumerGroupLag.of(config.kafka(), config.groupId(), config.topic()));
    }

    /** Running, nothing waiting in a batch, and its group committed up to the end of {@code inputTopic}. */
    public static boolean reembedderCaughtUp(KafkaSettings kafka, Reembedder reembedder, String inputTopic) {
        return reembedder.health().state() == Stage.State.RUNNING && reembedder.metrics().pending() == 0
                && ConsumerGroupLag.of(kafka, reembedder.applicationId(), inputTopic) == 0;
    }

    /** Its group committed up to the end of its topic (a topic that does not exist yet is not caught up with). */
    public static boolean importerCaughtUp(ImporterConfig config) {
        return ConsumerGroupLag.of(config.kafka(), config.groupId(), config.topic()) == 0;
    }
}
