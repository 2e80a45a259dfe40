package io.memshift.cli;

import io.memshift.control.InvalidRequestException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/** Continuous sync of a live store after the bulk load ({@code migrate --follow}). */
final class FollowOptions {

    /** The sources that change while they are followed; a file does not. */
    static final Set<String> FOLLOWABLE = Set.of("mem0-es", "mem0-qdrant", "mem0-api");

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");

    @Option(names = "--follow", description = "After the bulk load, keep the index in step with the live store"
            + " (mem0-es:, mem0-qdrant:, mem0-api:) until Ctrl-C or SIGTERM: poll its changes every --poll-interval,"
            + " find its deletes by a snapshot reconciliation every --reconcile-interval. The alias moves once the"
            + " changes made during the bulk load are in too.")
    boolean follow;

    @Option(names = "--poll-interval", defaultValue = "5s", paramLabel = "<duration>",
            description = "With --follow: how often to ask the store what changed, e.g. 5s, 500ms, 1m (default: ${DEFAULT-VALUE}).")
    String pollInterval;

    @Option(names = "--reconcile-interval", defaultValue = "60s", paramLabel = "<duration>",
            description = "With --follow: how often to read the store whole and delete what it no longer holds, under"
                    + " --max-deletes (default: ${DEFAULT-VALUE}). A refused reconciliation is printed; following goes on.")
    String reconcileInterval;

    @Option(names = "--poll-overlap", defaultValue = "30s", paramLabel = "<duration>",
            description = "With --follow: each poll starts this far before the newest change seen, against the store's"
                    + " refresh delay and writers' clocks that disagree (default: ${DEFAULT-VALUE}).")
    String overlap;

    @Option(names = "--lag-interval", defaultValue = "30s", paramLabel = "<duration>",
            description = "With --follow: how often to print the lag (default: ${DEFAULT-VALUE}).")
    String lagInterval;

    Duration pollInterval() {
        return parse("--poll-interval", pollInterval);
    }

    Duration reconcileInterval() {
        return parse("--reconcile-interval", reconcileInterval);
    }

    Duration overlap() {
        return parse("--poll-overlap", overlap);
    }

    Duration lagInterval() {
        return parse("--lag-interval", lagInterval);
    }

    /** Refuses --follow for a source that does not change (a file), naming it and the sources that do. */
    void requireFollowable(String sourceKind, String source) {
        if (follow && !FOLLOWABLE.contains(sourceKind)) {
            throw new InvalidRequestException("--follow needs a live store (mem0-es:, mem0-qdrant: or mem0-api:); " + source
                    + " is a file, which does not change while it is read: run migrate without --follow, and export"
                    + " a newer file when there is one");
        }
    }

    static Duration parse(String option, String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new InvalidRequestException(option + " '" + text + "' is not a duration (e.g. 500ms, 5s, 2m, 1h)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        Duration d = switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
        if (d.isZero()) {
            throw new InvalidRequestException(option + " must be more than 0");
        }
        return d;
    }
}
