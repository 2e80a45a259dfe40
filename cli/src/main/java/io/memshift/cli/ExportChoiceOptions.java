package io.memshift.cli;

import io.memshift.control.InvalidRequestException;
import io.memshift.exporter.ExportOptions;
import io.memshift.exporter.MaxDeletes;
import io.memshift.schemas.Timestamps;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import picocli.CommandLine.Option;

/** What of the source to export, and what to do with records that are not valid. */
final class ExportChoiceOptions {

    @Option(names = "--restart", description = "Publish the whole source again, even if an earlier run exported it.")
    boolean restart;

    @Option(names = "--skip-invalid", description = "Publish the valid memories; set invalid records aside in the reject file and on the pipeline's <log>.rejected topic (memories.rejected for the pipeline memories).")
    boolean skipInvalid;

    @Option(names = "--reject-file", description = "Where --skip-invalid writes invalid records (default: <data-dir>/rejects/<source file>.rejects.jsonl).")
    Path rejectFile;

    @Option(names = "--user", description = "Only the memories of this user id.")
    String user;

    @Option(names = "--agent", description = "Only the memories of this agent id.")
    String agent;

    @Option(names = "--run", description = "Only the memories of this run id.")
    String run;

    @Option(names = "--updated-since", description = "Only memories changed at or after this ISO-8601 time (updated_at, else created_at).")
    String updatedSince;

    @Option(names = "--max-deletes", defaultValue = "10%", description = "The export is a snapshot of the store: memories"
            + " of the pipeline's log it lacks (within the filters) are deleted, but at most this many, a count or a"
            + " percentage of the log's memories (default: ${DEFAULT-VALUE}); more refuses the run, deleting nothing.")
    String maxDeletes;

    @Option(names = "--no-reconcile", description = "The source is not a snapshot of the store (a file of changes,"
            + " say): publish what it holds, delete nothing.")
    boolean noReconcile;

    @Option(names = "--dry-run", description = "Read the source and the pipeline's log, list what would be published"
            + " and deleted, change nothing.")
    boolean dryRun;

    ExportOptions toOptions(Path dataDir, String sourceName) {
        Path rejects = rejectFile != null ? rejectFile
                : dataDir.resolve("rejects").resolve(sourceName.replaceAll("[^A-Za-z0-9._-]", "_") + ".rejects.jsonl");
        Instant since = null;
        if (updatedSince != null) {
            try {
                since = Timestamps.parse(updatedSince);
            } catch (DateTimeParseException e) {
                throw new InvalidRequestException("--updated-since '" + updatedSince + "' is not an ISO-8601 time");
            }
        }
        ExportOptions options = new ExportOptions(restart, skipInvalid, rejects, user, agent, run, since);
        MaxDeletes max;
        try {
            max = MaxDeletes.parse(maxDeletes);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
        return options.reconciling(noReconcile ? null : max, dryRun);
    }
}
