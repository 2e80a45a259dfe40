package io.memshift.reembedder;

import io.memshift.schemas.Stage;
import org.apache.kafka.streams.KafkaStreams;

/**
 * A Kafka Streams client's state as a {@link Stage.Health}. The rule: after start, {@code PENDING_ERROR},
 * {@code ERROR} and {@code NOT_RUNNING} mean the stage failed (a client that shuts down by itself never comes
 * back), with the error the uncaught-exception handler saw as the cause when there is one; {@code CREATED} and
 * {@code REBALANCING} are starting; {@code PENDING_SHUTDOWN} is stopping (failed if an error made it stop).
 */
final class StreamsHealth {

    private StreamsHealth() {
    }

    /**
     * @param state   the client's state, or null if the stage was never started or has been closed by its owner
     * @param failure the error that stopped a stream thread, if one did
     */
    static Stage.Health of(KafkaStreams.State state, Throwable failure) {
        if (failure != null) {
            return Stage.Health.failed(failure);
        }
        if (state == null) {
            return Stage.Health.of(Stage.State.STOPPED);
        }
        return switch (state) {
            case CREATED, REBALANCING -> Stage.Health.of(Stage.State.STARTING);
            case RUNNING -> Stage.Health.of(Stage.State.RUNNING);
            case PENDING_SHUTDOWN -> Stage.Health.of(Stage.State.STOPPED);
            case PENDING_ERROR, ERROR, NOT_RUNNING ->
                    Stage.Health.failed(new IllegalStateException("Kafka Streams is " + state));
        };
    }
}
