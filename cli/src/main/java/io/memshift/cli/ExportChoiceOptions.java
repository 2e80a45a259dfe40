package io.memshift.cli;

import io.memshift.exporter.ExportOptions;
import io.memshift.schemas.Timestamps;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import picocli.CommandLine.Option;

/** What of the source to export, and what to do with records that are not valid. */
final class ExportChoiceOptions {

    @Option(names = "--restart", description = "Publish the whole source again, even if an earlier run exported it.")
    boolean restart;

    @Option(names = "--skip-invalid", description = "Publish the valid memories; set invalid records aside in the reject file and on the memories.rejected topic.")
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

    ExportOptions toOptions(Path dataDir, String sourceName) {
        Path rejects = rejectFile != null ? rejectFile
                : dataDir.resolve("rejects").resolve(sourceName.replaceAll("[^A-Za-z0-9._-]", "_") + ".rejects.jsonl");
        Instant since = null;
        if (updatedSince != null) {
            try {
                since = Timestamps.parse(updatedSince);
            } catch (DateTimeParseException e) {
                throw new BadInputException("--updated-since '" + updatedSince + "' is not an ISO-8601 time");
            }
        }
        return new ExportOptions(restart, skipInvalid, rejects, user, agent, run, since);
    }
}
