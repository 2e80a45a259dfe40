package io.memshift.reembedder;

import static org.assertj.core.api.Assertions.assertThat;

import io.memshift.schemas.Stage;
import java.util.EnumSet;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class StreamsHealthTest {

    @Test
    void everyStreamsStateMapsToOneStageState() {
        assertThat(StreamsHealth.of(KafkaStreams.State.CREATED, null).state()).isEqualTo(Stage.State.STARTING);
        assertThat(StreamsHealth.of(KafkaStreams.State.REBALANCING, null).state()).isEqualTo(Stage.State.STARTING);
        assertThat(StreamsHealth.of(KafkaStreams.State.RUNNING, null).state()).isEqualTo(Stage.State.RUNNING);
        assertThat(StreamsHealth.of(KafkaStreams.State.PENDING_SHUTDOWN, null).state()).isEqualTo(Stage.State.STOPPED);
        assertThat(StreamsHealth.of(null, null).state()).isEqualTo(Stage.State.STOPPED);
    }

    @Test
    void pendingErrorErrorAndNotRunningAfterStartAreFailuresNamingTheState() {
        for (KafkaStreams.State state : EnumSet.of(KafkaStreams.State.PENDING_ERROR, KafkaStreams.State.ERROR,
                KafkaStreams.State.NOT_RUNNING)) {
            Stage.Health health = StreamsHealth.of(state, null);
            assertThat(health.state()).as(state.name()).isEqualTo(Stage.State.FAILED);
            assertThat(health.cause()).hasMessage("Kafka Streams is " + state);
        }
    }

    @Test
    void theErrorThatStoppedAStreamThreadIsTheCauseWhateverTheState() {
        RuntimeException boom = new RuntimeException("model refused every text of a batch of 8");
        for (KafkaStreams.State state : KafkaStreams.State.values()) {
            Stage.Health health = StreamsHealth.of(state, boom);
            assertThat(health.state()).as(state.name()).isEqualTo(Stage.State.FAILED);
            assertThat(health.cause()).isSameAs(boom);
        }
    }
}
