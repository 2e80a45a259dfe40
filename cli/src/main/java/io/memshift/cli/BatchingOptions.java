package io.memshift.cli;

import io.memshift.reembedder.ReembedderConfig;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How the re-embedder batches memories into model calls. */
final class BatchingOptions {

    @Option(names = "--batch-size", description = "Memories per flush of the re-embedder (default: "
            + ReembedderConfig.DEFAULT_BATCH_SIZE + " for in-process models; for a remote one, enough to fill a request"
            + " to the provider's input limit, e.g. 2048 for OpenAI); each task's first flush takes at most 32.")
    Integer batchSize;

    @Option(names = "--max-wait-ms", defaultValue = "" + ReembedderConfig.DEFAULT_MAX_WAIT_MS,
            description = "Longest a memory waits for its batch to fill, in ms (default: ${DEFAULT-VALUE}).")
    long maxWaitMs;

    /** The size asked for, or 0 for the model's own default ({@link io.memshift.reembedder.RequestLimits#defaultBatchSize()}). */
    int batchSizeOrDefault() {
        return batchSize == null ? 0 : batchSize;
    }

    int batchSize(io.memshift.reembedder.ModelProfile profile) {
        return batchSize == null ? profile.limits().defaultBatchSize() : batchSize;
    }

    Duration maxWait() {
        return Duration.ofMillis(maxWaitMs);
    }
}
