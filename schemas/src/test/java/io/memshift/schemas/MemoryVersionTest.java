package io.memshift.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class MemoryVersionTest {

    private static final Instant T = Timestamps.parse("2024-07-20T01:03:19.545405-07:00");

    @Test
    void aLaterUpdateAlwaysHasAHigherVersion() {
        Instant oneMicroLater = T.plusNanos(1000);
        for (String a : new String[] {"a", "b", "User prefers Python", "x".repeat(500)}) {
            for (String b : new String[] {"a", "b", "User prefers Java", ""}) {
                assertThat(MemoryVersion.ofUpsert(oneMicroLater, T, b)).isGreaterThan(MemoryVersion.ofUpsert(T, T, a));
            }
        }
    }

    @Test
    void sameMemorySameVersionAndTiesBreakByTextDeterministically() {
        assertThat(MemoryVersion.ofUpsert(T, null, "x")).isEqualTo(MemoryVersion.ofUpsert(T, null, "x"));
        assertThat(MemoryVersion.ofUpsert(T, null, "x")).isNotEqualTo(MemoryVersion.ofUpsert(T, null, "y"));
        assertThat(MemoryVersion.ofUpsert(null, T, "x")).isEqualTo(MemoryVersion.ofUpsert(T, null, "x"));
    }

    @Test
    void aDeleteWinsOverAnUpsertOfTheSameInstantAndLosesToALaterOne() {
        assertThat(MemoryVersion.ofDelete(T)).isGreaterThan(MemoryVersion.ofUpsert(T, T, "anything"));
        assertThat(MemoryVersion.ofUpsert(T.plusNanos(1000), T, "again")).isGreaterThan(MemoryVersion.ofDelete(T));
    }

    @Test
    void aMemoryWithoutTimestampsIsDatedByWhenItsSourceWasObserved() {
        Instant observed = Instant.parse("2025-01-01T00:00:00Z");
        // Without a date of its own, the observation dates it: an update exported later wins whatever its text.
        for (String before : new String[] {"a", "b", "User prefers Python"}) {
            for (String after : new String[] {"a", "b", "User prefers Java"}) {
                assertThat(MemoryVersion.ofUpsert(null, null, observed.plusSeconds(1), after))
                        .isGreaterThan(MemoryVersion.ofUpsert(null, null, observed, before));
            }
        }
        // Its own timestamps, when it has them, always come first.
        assertThat(MemoryVersion.ofUpsert(T, null, observed, "x")).isEqualTo(MemoryVersion.ofUpsert(T, null, "x"));
        assertThat(MemoryVersion.ofUpsert(null, T, observed, "x")).isEqualTo(MemoryVersion.ofUpsert(null, T, "x"));
        // The same observation twice gives the same version: no-op downstream.
        assertThat(MemoryVersion.ofUpsert(null, null, observed, "x")).isEqualTo(MemoryVersion.ofUpsert(null, null, observed, "x"));
        // A delete after the observation wins; one before it loses.
        assertThat(MemoryVersion.ofDelete(observed.plusSeconds(1))).isGreaterThan(MemoryVersion.ofUpsert(null, null, observed, "x"));
        assertThat(MemoryVersion.ofDelete(observed.minusSeconds(1))).isLessThan(MemoryVersion.ofUpsert(null, null, observed, "x"));
    }

    @Test
    void theLatestTimeAVersionCanCarryFitsASignedLongAndALaterOneIsRefusedNotWrapped() {
        assertThat(MemoryVersion.LATEST).isEqualTo(Instant.parse("2262-04-11T23:47:16.854774Z"));
        assertThat(MemoryVersion.ofDelete(MemoryVersion.LATEST)).isPositive()
                .isGreaterThan(MemoryVersion.ofUpsert(MemoryVersion.LATEST, null, "x"))
                .isGreaterThan(MemoryVersion.ofDelete(MemoryVersion.LATEST.minusNanos(1000)));
        Instant later = MemoryVersion.LATEST.plusNanos(1000);
        assertThatThrownBy(() -> MemoryVersion.ofUpsert(later, null, "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("after " + MemoryVersion.LATEST);
        assertThatThrownBy(() -> MemoryVersion.ofDelete(Instant.parse("2300-01-01T00:00:00Z")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("after " + MemoryVersion.LATEST);
    }

    @Test
    void mem0TimestampFormsParseToTheSameInstant() {
        assertThat(Timestamps.parse("2024-07-20T08:03:19.545405Z")).isEqualTo(T);
        assertThat(Timestamps.parse("2024-07-20T08:03:19.545405")).isEqualTo(T);
        assertThat(Timestamps.parse("2024-07-20 08:03:19.545405+00:00")).isEqualTo(T);
    }
}
