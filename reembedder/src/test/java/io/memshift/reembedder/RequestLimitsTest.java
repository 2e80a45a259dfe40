package io.memshift.reembedder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The token estimate that cuts requests without the provider's tokenizer, and the limits' own checks. No server. */
@Tag("fast")
class RequestLimitsTest {

    @Test
    void theEstimateIsOneTokenPerThreeBytesOfUtf8PlusOne() {
        assertThat(RequestLimits.estimateTokens("")).isEqualTo(1);
        assertThat(RequestLimits.estimateTokens("ab")).isEqualTo(1);
        assertThat(RequestLimits.estimateTokens("abc")).isEqualTo(2);
        assertThat(RequestLimits.estimateTokens("é".repeat(3))).as("2 bytes each").isEqualTo(3);
        assertThat(RequestLimits.estimateTokens("绿")).as("3 bytes").isEqualTo(2);
        assertThat(RequestLimits.estimateTokens("🥜🥜🥜")).as("4 bytes each, as a surrogate pair").isEqualTo(5);
    }

    /** Cautious: never under the usual real counts (about 4 characters per English token, 1 per CJK character). */
    @Test
    void theEstimateIsNeverBelowTheUsualRealCounts() {
        String english = "The user keeps a detailed travel journal and prefers window seats. ".repeat(60);
        assertThat(RequestLimits.estimateTokens(english)).isGreaterThanOrEqualTo(english.length() / 4);
        String chinese = "用户喜欢喝绿茶并且每天早上跑步".repeat(40);
        assertThat(RequestLimits.estimateTokens(chinese)).isGreaterThanOrEqualTo(chinese.length());
    }

    @Test
    void limitsMustBePositive() {
        assertThatThrownBy(() -> new RequestLimits(0, 100, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("positive");
        assertThatThrownBy(() -> new RequestLimits(10, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RequestLimits(10, 100, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(RequestLimits.IN_PROCESS.maxInFlight()).as("an in-process model spreads one call itself").isEqualTo(1);
    }
}
