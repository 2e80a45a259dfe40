package io.memshift.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("fast")
class StageInstanceTest {

    @TempDir
    Path dataDir;

    @Test
    void processesOnOneDataFolderGetSlotsOfTheirOwnAndARestartGetsItsSlotBack() {
        String host = StageInstance.hostName(System.getenv());
        try (StageInstance first = StageInstance.claim(dataDir, null)) {
            assertThat(first.id()).isEqualTo(host + "-1");
            assertThat(first.stateDir()).isEqualTo(dataDir.resolve("streams"));
            assertThat(first.staticMemberId("memshift-import-x")).isEqualTo("memshift-import-x-" + host + "-1");
            try (StageInstance second = StageInstance.claim(dataDir, null)) {
                assertThat(second.id()).isEqualTo(host + "-2");
                assertThat(second.stateDir()).isEqualTo(dataDir.resolve("streams-2"));
            }
            try (StageInstance again = StageInstance.claim(dataDir, null)) {
                assertThat(again.id()).as("slot 2 was given back").isEqualTo(host + "-2");
            }
        }
        try (StageInstance restarted = StageInstance.claim(dataDir, null)) {
            assertThat(restarted.id()).isEqualTo(host + "-1");
        }
    }

    @Test
    void anExplicitIdIsUsedAsGivenAndOnlyOnceAtATime() {
        try (StageInstance r1 = StageInstance.claim(dataDir, "reembed-a")) {
            assertThat(r1.id()).isEqualTo("reembed-a");
            assertThat(r1.stateDir()).isEqualTo(dataDir.resolve("streams-reembed-a"));
            assertThatThrownBy(() -> StageInstance.claim(dataDir, "reembed-a"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("in use");
        }
        assertThatThrownBy(() -> StageInstance.claim(dataDir, "no spaces"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("letters, digits");
    }

    @Test
    void theHostNameBecomesASafeIdPart() {
        assertThat(StageInstance.hostName(Map.of("HOSTNAME", "Worker_7.EU"))).isEqualTo("worker-7.eu");
        assertThat(StageInstance.hostName(Map.of("HOSTNAME", "___"))).isEqualTo("host");
        assertThat(StageInstance.hostName(Map.of("COMPUTERNAME", "BOX"))).isEqualTo("box");
    }
}
