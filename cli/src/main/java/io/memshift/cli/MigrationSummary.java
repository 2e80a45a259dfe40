package io.memshift.cli;

import java.io.PrintWriter;
import java.time.Duration;

/** What a migration did, printed at its end. */
record MigrationSummary(String source, String model, String index, String alias, long read, long rejected, long embedded,
                        long indexed, long deleted, long stale, long failed, Duration elapsed) {

    double memoriesPerSecond() {
        return read / Math.max(0.001, elapsed.toMillis() / 1000.0);
    }

    void print(PrintWriter out) {
        out.println("Migration summary");
        out.printf("  source        %s%n", source);
        out.printf("  model         %s%n", model);
        out.printf("  index         %s%s%n", index, alias == null ? "" : " (alias " + alias + " -> " + index + ")");
        out.printf("  read          %d%n", read);
        out.printf("  rejected      %d%n", rejected);
        out.printf("  embedded      %d%n", embedded);
        out.printf("  indexed       %d%n", indexed);
        out.printf("  deleted       %d%n", deleted);
        out.printf("  stale (409)   %d%n", stale);
        out.printf("  failed        %d%n", failed);
        out.printf("  elapsed       %.1f s%n", elapsed.toMillis() / 1000.0);
        out.printf("  memories/s    %.1f%n", memoriesPerSecond());
        out.flush();
    }
}
