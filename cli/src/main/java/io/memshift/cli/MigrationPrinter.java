package io.memshift.cli;

import io.memshift.control.Migration;
import io.memshift.control.MigrationSummary;
import io.memshift.exporter.ExportSummary;
import io.memshift.reembedder.ModelProfile;
import io.memshift.schemas.Pipeline;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** Prints a migration as it runs (progress on stderr, steps on stdout) and its summary at the end. */
final class MigrationPrinter implements Migration.Listener {

    private final PrintWriter out;
    private final ProgressReporter progress;

    MigrationPrinter(PrintWriter out, ProgressReporter progress) {
        this.out = out;
        this.progress = progress;
    }

    @Override
    public void progress(String phase, long done, long total) {
        progress.update(phase, done, total);
    }

    @Override
    public void phaseEnded() {
        progress.close();
    }

    @Override
    public void pipeline(Pipeline pipeline, String index) {
        say("Pipeline %s: log %s, index %s", pipeline.name(), pipeline.log(), index);
    }

    @Override
    public void exported(ExportSummary export, String topic) {
        describeExport(out, export, topic);
    }

    @Override
    public void loadingModel(ModelProfile profile) {
        say("Loading model %s (%d dims) ...", profile.id(), profile.dims());
    }

    @Override
    public void stagesStarted(String embeddedTopic, String index) {
        say("Re-embedding into topic %s and importing into index %s ...", embeddedTopic, index);
    }

    @Override
    public void allArrived(long memories) {
        say("Every exported memory is in the index (%d); letting in-flight records finish ...", memories);
    }

    @Override
    public void drainCutShort(long inFlight, Duration drainTimeout) {
        say("Note: %d records were still in flight after %d s; the next run or `memshift import` applies them.",
                inFlight, drainTimeout.toSeconds());
    }

    @Override
    public void aliasMoved(String alias, String index, Set<String> previous) {
        say("Alias %s now points to %s%s", alias, index,
                previous.isEmpty() ? "" : " (before: " + String.join(", ", previous) + ")");
    }

    @Override
    public void aliasLeft(String alias, String index, List<String> pipelines) {
        say("Alias %s serves pipeline %s: left as it is. Readers of this store need an alias of their own:"
                + " ./memshift cutover --alias <name> --index %s (or migrate with --alias <name>).", alias,
                String.join(", ", pipelines), index);
    }

    static void describeExport(PrintWriter out, ExportSummary export, String topic) {
        if (export.dryRun()) {
            describeDryRun(out, export, topic);
            return;
        }
        if (export.rejected() > 0) {
            out.printf("Set aside %d invalid records (reject file and topic %s)%n", export.rejected(),
                    Pipeline.ofLog(topic).rejected());
        }
        if (export.filtered() > 0) {
            out.printf("Left out %d memories by the filters%n", export.filtered());
        }
        if (export.published() == 0 && export.skipped() > 0) {
            out.printf("Source already exported (%d memories) by an earlier run; nothing published"
                    + " (--restart publishes it again)%n", export.read());
        } else if (export.skipped() > 0 && export.resumed()) {
            out.printf("Resumed an interrupted export: %d memories were already published (by an earlier run), %d now,"
                    + " to %s%n", export.skipped(), export.published(), topic);
        } else if (export.skipped() > 0) {
            // A store without a stamp (Elasticsearch, Qdrant, the API) exported again: nothing was interrupted.
            out.printf("Exported %d new or changed memories to topic %s (%d other%s on it already, at %s"
                    + " version or a newer one)%n", export.published(), topic, export.skipped(),
                    export.skipped() == 1 ? " was" : "s were", export.skipped() == 1 ? "its" : "their");
        } else {
            out.printf("Exported %d memories to topic %s%n", export.published(), topic);
        }
        ExportSummary.Entities entities = export.entities();
        if (entities.read() > 0) {
            out.printf("Exported %d entities of Mem0's entity store (%d distinct) to topic %s%s%n", entities.published(),
                    entities.selected(), topic, entities.skipped() == 0 ? ""
                            : " (" + entities.skipped() + " were there already at their version)");
        }
        List<String> deletes = export.reconciliation().deletes();
        if (!deletes.isEmpty()) {
            out.printf("Deleted %d memories the snapshot no longer holds (of %d in the log): %s%s%n", deletes.size(),
                    export.reconciliation().live(), String.join(", ", deletes.subList(0, Math.min(20, deletes.size()))
                            .stream().map(id -> named(export, id)).toList()),
                    deletes.size() > 20 ? " and " + (deletes.size() - 20) + " more" : "");
        }
        out.flush();
    }

    private static void describeDryRun(PrintWriter out, ExportSummary export, String topic) {
        out.printf("Dry run, nothing changed: %d memories read, %d distinct; would publish %d to topic %s (%d already"
                + " there at their version)%n", export.read(), export.published() + export.skipped(), export.published(), topic,
                export.skipped());
        ExportSummary.Entities entities = export.entities();
        if (entities.read() > 0) {
            out.printf("and %d entities of Mem0's entity store, %d distinct; would publish %d (%d already there at"
                    + " their version)%n", entities.read(), entities.published() + entities.skipped(), entities.published(),
                    entities.skipped());
        }
        List<String> deletes = export.reconciliation().deletes();
        out.printf("The snapshot would delete %d of the %d memories the log holds%s%n", deletes.size(),
                export.reconciliation().live(), deletes.isEmpty() ? "" : ":");
        deletes.forEach(id -> out.printf("  %s%n", named(export, id)));
        if (export.wouldBeRefused() != null) {
            out.printf("A real run would be %s%n", export.wouldBeRefused());
        }
        out.flush();
    }

    /** A reconciled id as listed: an entity of Mem0's entity store says so. */
    private static String named(ExportSummary export, String id) {
        return export.reconciliation().entityDeletes().contains(id) ? id + " (entity)" : id;
    }

    static void printSummary(PrintWriter out, MigrationSummary summary) {
        out.println("Migration summary");
        out.printf("  source        %s%n", summary.source());
        out.printf("  model         %s%n", summary.model());
        out.printf("  index         %s%s%n", summary.index(),
                summary.alias() == null ? "" : " (alias " + summary.alias() + " -> " + summary.index() + ")");
        out.printf("  read          %d%n", summary.read());
        out.printf("  rejected      %d%n", summary.rejected());
        out.printf("  embedded      %d%n", summary.embedded());
        out.printf("  indexed       %d%n", summary.indexed());
        out.printf("  deleted       %d%n", summary.deleted());
        out.printf("  stale (409)   %d%n", summary.stale());
        out.printf("  failed        %d%n", summary.failed());
        out.printf("  elapsed       %.1f s%n", summary.elapsed().toMillis() / 1000.0);
        out.printf("  memories/s    %.1f%n", summary.memoriesPerSecond());
        out.flush();
    }

    private void say(String format, Object... args) {
        out.println(String.format(format, args));
        out.flush();
    }
}
