package io.memshift.cli;

import io.memshift.reembedder.ReembedderConfig;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How the re-embedder batches memories into model calls. */
final class BatchingOptions {

    @Option(names = "--batch-size", defaultValue = "" + ReembedderConfig.DEFAULT_BATCH_SIZE,
            description = "Memories per model call (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--max-wait-ms", defaultValue = "" + ReembedderConfig.DEFAULT_MAX_WAIT_MS,
            description = "Longest a memory waits for its batch to fill, in ms (default: ${DEFAULT-VALUE}).")
    long maxWaitMs;

    Duration maxWait() {
        return Duration.ofMillis(maxWaitMs);
    }
}
