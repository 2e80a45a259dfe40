package io.memshift.control;

import io.memshift.clients.KafkaSettings;
import io.memshift.importer.ConsumerGroupLag;
import io.memshift.importer.ImporterConfig;
import io.memshift.reembedder.Reembedder;
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
