package io.memshift.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class StageTest {

    /** A stage whose health the test sets. */
    private static final class FakeStage implements Stage {
        final AtomicReference<Health> health = new AtomicReference<>(Health.of(State.STOPPED));

        @Override
        public String name() {
            return "fake stage";
        }

        @Override
        public void start() {
            health.set(Health.of(State.STARTING));
        }

        @Override
        public Health health() {
            return health.get();
        }

        @Override
        public void close() {
            health.set(Health.of(State.STOPPED));
        }
    }

    @Test
    void aStartingRunningOrStoppedStageIsAlive() {
        FakeStage stage = new FakeStage();
        assertThat(stage.requireAlive().state()).isEqualTo(Stage.State.STOPPED);
        stage.start();
        assertThat(stage.requireAlive().state()).isEqualTo(Stage.State.STARTING);
        stage.health.set(Stage.Health.of(Stage.State.RUNNING));
        assertThat(stage.requireAlive().state()).isEqualTo(Stage.State.RUNNING);
        stage.close();
        assertThat(stage.requireAlive().state()).isEqualTo(Stage.State.STOPPED);
    }

    @Test
    void aFailedStageThrowsNamingItselfAndTheRootCause() {
        FakeStage stage = new FakeStage();
        IOException root = new IOException("Connection refused");
        stage.health.set(Stage.Health.failed(new IllegalStateException("cannot reach the model", root)));
        assertThatThrownBy(stage::requireAlive)
                .isInstanceOf(StageFailedException.class)
                .hasMessage("the fake stage stopped: cannot reach the model: Connection refused")
                .hasCause(stage.health().cause());
    }

    @Test
    void aRootCauseTheMessageAlreadyRepeatsIsNotAppendedTwice() {
        IOException root = new IOException("index is read-only");
        StageFailedException e = new StageFailedException("importer",
                new IllegalStateException("cannot write refused memories: index is read-only", root));
        assertThat(e).hasMessage("the importer stopped: cannot write refused memories: index is read-only");
    }

    @Test
    void aFailedHealthWithoutACauseIsRefused() {
        assertThatThrownBy(() -> new Stage.Health(Stage.State.FAILED, null))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
