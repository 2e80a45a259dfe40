package io.memshift.cli;

import java.io.PrintStream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows how far long work is: a progress bar on a terminal, plain lines every few seconds otherwise (CI logs,
 * pipes), so both stay readable. One phase at a time; a new phase name ends the previous one.
 */
final class ProgressReporter implements AutoCloseable {

    private static final long LINE_INTERVAL_MS = 5_000;

    private final boolean terminal;
    private final PrintStream lines;
    private String phase;
    private ProgressBar bar;
    private long phaseStartMs;
    private long lastLineMs;
    private long lastDone;
    private long lastTotal;

    ProgressReporter(boolean terminal, PrintStream lines) {
        this.terminal = terminal;
        this.lines = lines;
    }

    static ProgressReporter forThisProcess() {
        return new ProgressReporter(System.console() != null && !"dumb".equals(System.getenv("TERM")), System.err);
    }

    synchronized void update(String phaseName, long done, long total) {
        long now = System.currentTimeMillis();
        if (!phaseName.equals(phase)) {
            endPhase();
            phase = phaseName;
            phaseStartMs = now;
            lastLineMs = now;
            if (terminal) {
                bar = new ProgressBarBuilder().setTaskName(padded(phaseName)).setInitialMax(total)
                        .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(200).showSpeed()
                        .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(lines)).build();
            }
        }
        lastDone = done;
        lastTotal = total;
        if (bar != null) {
            if (total >= 0 && bar.getMax() != total) {
                bar.maxHint(total);
            }
            bar.stepTo(done);
        } else if (now - lastLineMs >= LINE_INTERVAL_MS) {
            lastLineMs = now;
            printLine(now);
        }
    }

    private void printLine(long now) {
        double seconds = Math.max(0.001, (now - phaseStartMs) / 1000.0);
        String of = lastTotal >= 0 ? "/" + lastTotal : "";
        lines.printf("[%s] %d%s (%.0f/s, %.0f s)%n", phase, lastDone, of, lastDone / seconds, seconds);
        lines.flush();
    }

    private void endPhase() {
        if (bar != null) {
            bar.close();
            bar = null;
        } else if (phase != null) {
            printLine(System.currentTimeMillis());
        }
        phase = null;
    }

    private static String padded(String name) {
        return String.format("%-9s", name);
    }

    @Override
    public synchronized void close() {
        endPhase();
    }
}
