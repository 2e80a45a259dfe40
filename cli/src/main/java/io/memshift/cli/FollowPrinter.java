package io.memshift.cli;

import io.memshift.control.ContinuousSync;
import io.memshift.exporter.ChangePoller;
import io.memshift.exporter.ExportSummary;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;

/** Prints continuous sync as it runs: what each poll and reconciliation did, and the lag every --lag-interval. */
final class FollowPrinter implements ContinuousSync.Listener {

    private final PrintWriter out;

    FollowPrinter(PrintWriter out) {
        this.out = out;
    }

    /** Says once how the store is followed. */
    void following(String source, boolean selectsOnServer, Duration poll, Duration reconcile) {
        say("Following %s: %s every %s, a snapshot reconciliation (deletes) every %s. Ctrl-C or SIGTERM stops.",
                source, selectsOnServer ? "changes since the watermark (a query on updated_at/created_at)"
                        : "the store read whole and its changes kept", seconds(poll), seconds(reconcile));
    }

    @Override
    public void caughtUp(int changes, Duration took) {
        say("Caught up: the %d changes made during the bulk load are in the index (%s).", changes, seconds(took));
    }

    @Override
    public void polled(ChangePoller.Poll poll, int fresh, Instant since) {
        if (fresh > 0) {
            say("Follow: %d changes since %s published.", fresh, since);
        }
        if (poll.invalidCount() > 0) {
            say("Follow: %d records of the store refused (skipped): %s", poll.invalidCount(),
                    String.join("; ", poll.invalid()));
        }
    }

    @Override
    public void reconciled(ExportSummary summary) {
        if (!summary.reconciliation().deletes().isEmpty() || summary.published() > 0) {
            say("Reconciliation: %d memories and entities the store no longer holds deleted, %d memories changed"
                    + " since the last poll published.", summary.reconciliation().deletes().size(), summary.published());
        }
    }

    @Override
    public void reconcileRefused(String message) {
        say("Reconciliation refused, nothing deleted; following goes on: %s", message);
    }

    @Override
    public void sourceFailed(String what, String message) {
        say("Follow: the %s failed, trying again later: %s", what, message);
    }

    @Override
    public void lag(ContinuousSync.Lag lag) {
        say("Lag: oldest unapplied change %s (%d unapplied); backlog: gate %d, re-embedder %d, importer %d.",
                seconds(lag.oldest()), lag.unapplied(), lag.gate(), lag.reembedder(), lag.importer());
    }

    @Override
    public void stoppedBeforeCaughtUp(int unapplied) {
        say("Stopped before catching up (%d changes not yet in the index): the alias was left where it was.", unapplied);
    }

    @Override
    public void stopped(long inFlight) {
        say(inFlight == 0 ? "Stopped following: everything polled is in the index."
                : "Stopped following: %d records still in flight stay on the log; the next run or `memshift import`"
                + " applies them.", inFlight);
    }

    private static String seconds(Duration d) {
        return d.toMillis() < 10_000 && d.toMillis() % 1000 != 0 ? d.toMillis() + " ms" : d.toSeconds() + " s";
    }

    private void say(String format, Object... args) {
        out.println(String.format(format, args));
        out.flush();
    }
}
