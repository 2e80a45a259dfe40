package io.memshift.control;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class AliasSwitchTest {

    private static AliasSwitch.Readiness readiness(long lag, String verifyPassed) {
        return new AliasSwitch.Readiness("memories-x-1", "memories.embedded.x", lag, verifyPassed, null);
    }

    @Test
    void anIndexIsReadyOnlyWithItsImporterCaughtUpAndNoFailedVerify() {
        assertThat(readiness(0, "true").ready()).isTrue();
        assertThat(readiness(0, null).ready()).isTrue();
        assertThat(readiness(0, null).neverVerified()).isTrue();
        assertThat(readiness(3, "true").ready()).isFalse();
        assertThat(readiness(3, "true").lagging()).isTrue();
        assertThat(readiness(0, "false").ready()).isFalse();
        assertThat(readiness(0, "false").verifyFailed()).isTrue();
        assertThat(readiness(0, "false").neverVerified()).isFalse();
    }
}
