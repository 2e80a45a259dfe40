package io.memshift.exporter;

import java.util.List;

/**
 * A snapshot would delete more memories than {@code --max-deletes} allows (see {@link Reconciliation}): nothing
 * was published. The message lists what would be deleted (the first {@value #LISTED}) and says how to override.
 */
public final class DeleteGuardException extends RuntimeException {

    static final int LISTED = 20;

    private final transient Reconciliation reconciliation;

    DeleteGuardException(String source, Reconciliation reconciliation, MaxDeletes max, long limit) {
        super(message(source, reconciliation, max, limit));
        this.reconciliation = reconciliation;
    }

    public List<String> wouldDelete() {
        return reconciliation.deletes();
    }

    private static String message(String source, Reconciliation plan, MaxDeletes max, long limit) {
        List<String> ids = plan.deletes();
        double share = plan.live() == 0 ? 100 : 100.0 * ids.size() / plan.live();
        return String.format("refused: the snapshot %s lacks %d of the %d memories the pipeline holds (%.1f%%),"
                        + " more than --max-deletes %s allows (%d); nothing was published or deleted. Would delete: %s%s."
                        + " If the store really lost them, run again with --max-deletes %d (or a percentage such as"
                        + " --max-deletes %d%%); --dry-run lists them all without changing anything.",
                source, ids.size(), plan.live(), share, max, limit,
                String.join(", ", ids.subList(0, Math.min(LISTED, ids.size()))),
                ids.size() > LISTED ? " and " + (ids.size() - LISTED) + " more" : "",
                ids.size(), (long) Math.ceil(share));
    }
}
