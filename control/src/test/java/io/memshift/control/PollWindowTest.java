package io.memshift.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Where continuous sync's polls start, and which changes they read are news. */
@Tag("fast")
class PollWindowTest {

    private static final Instant T = Instant.parse("2024-05-01T10:00:00Z");
    private static final Duration OVERLAP = Duration.ofSeconds(30);

    @Test
    void eachPollStartsAnOverlapBeforeTheNewestChangeSeenAndNeverMovesBack() {
        PollWindow window = new PollWindow(T, OVERLAP);
        assertThat(window.since()).isEqualTo(T.minusSeconds(30));
        window.advance(T.plusSeconds(100));
        assertThat(window.since()).isEqualTo(T.plusSeconds(70));
        // A poll that saw only older changes (a writer whose clock is behind), or none, keeps the watermark.
        window.advance(T.plusSeconds(50));
        window.advance(null);
        assertThat(window.since()).isEqualTo(T.plusSeconds(70));
    }

    @Test
    void aChangeReadAgainInTheOverlapIsNotNewButANewerVersionIs() {
        PollWindow window = new PollWindow(T, OVERLAP);
        assertThat(window.isNew("a", 10, T.plusSeconds(1))).isTrue();
        assertThat(window.isNew("a", 10, T.plusSeconds(1))).isFalse();
        assertThat(window.isNew("a", 9, T)).isFalse();
        assertThat(window.isNew("a", 11, T.plusSeconds(2))).isTrue();
        assertThat(window.isNew("b", 5, T.plusSeconds(2))).isTrue();
    }

    @Test
    void whatNoPollReadsAgainIsForgotten() {
        PollWindow window = new PollWindow(T, OVERLAP);
        window.isNew("old", 1, T);
        window.isNew("recent", 2, T.plusSeconds(100));
        window.advance(T.plusSeconds(100));
        // The next poll starts at T+70; 'old' (T) is more than an overlap before that: never read again.
        assertThat(window.remembered()).isEqualTo(1);
        assertThat(window.isNew("recent", 2, T.plusSeconds(100))).isFalse();
    }
}
