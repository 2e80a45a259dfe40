package io.memshift.cli;

import io.memshift.control.InvalidRequestException;
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
        requireValid();
        return batchSize == null ? 0 : batchSize;
    }

    int batchSize(io.memshift.reembedder.ModelProfile profile) {
        requireValid();
        return batchSize == null ? profile.limits().defaultBatchSize() : batchSize;
    }

    Duration maxWait() {
        requireValid();
        return Duration.ofMillis(maxWaitMs);
    }

    /** A batch of no memory, or a negative wait, was taken without a word (and a batch of -5 never filled). */
    private void requireValid() {
        if (batchSize != null && batchSize < 1) {
            throw new InvalidRequestException("--batch-size: " + batchSize + " is not a positive number of memories");
        }
        if (maxWaitMs < 0) {
            throw new InvalidRequestException("--max-wait-ms: " + maxWaitMs + " is negative");
        }
    }
}
