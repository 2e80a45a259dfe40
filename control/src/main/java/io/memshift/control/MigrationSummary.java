package io.memshift.control;

import java.time.Duration;

/** What a migration did: counts per stage, what did not arrive, and how long it took. */
public record MigrationSummary(String source, String model, String index, String alias, long read, long rejected,
                               long embedded, long indexed, long deleted, long stale, long failed, Duration elapsed) {

    public double memoriesPerSecond() {
        return read / Math.max(0.001, elapsed.toMillis() / 1000.0);
    }
}
