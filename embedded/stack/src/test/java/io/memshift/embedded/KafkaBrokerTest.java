package io.memshift.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KafkaBrokerTest {

    @Test
    void clusterIdsNeverStartWithADashWhichTheStorageToolWouldTakeForAnOption() {
        for (int i = 0; i < 20_000; i++) {
            String id = KafkaBroker.clusterId();
            assertThat(id).hasSize(22).doesNotStartWith("-").matches("[A-Za-z0-9_-]+");
        }
    }
}
