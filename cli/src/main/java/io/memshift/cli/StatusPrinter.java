package io.memshift.cli;

import io.memshift.control.ClusterProbe;
import io.memshift.control.PipelineStatus;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/** {@link PipelineStatus} as text: the clusters, then per pipeline its exports and one row per stage, then health. */
final class StatusPrinter {

    /** A stage row; the group / index column is as wide as its longest name. */
    private static final String ROW = "  %%-12s %%-%ds %%7s %%10s %%9s %%11s %%7s  %%s%%n";

    private StatusPrinter() {
    }

    static void print(PrintWriter out, PipelineStatus status) {
        int width = "GROUP / INDEX".length();
        for (PipelineStatus.Pipeline pipeline : status.pipelines()) {
            for (PipelineStatus.Generation generation : pipeline.generations()) {
                width = Math.max(width, generation.reembedder().group().length());
                for (PipelineStatus.Index index : generation.indices()) {
                    width = Math.max(width, index.index().length());
                }
            }
        }
        String row = String.format(ROW, width);
        out.printf("memshift status at %s%s%n", status.at(), status.sampleSeconds() > 0
                ? String.format(Locale.ROOT, " (rates over %.1f s)", status.sampleSeconds()) : " (no rates: one reading)");
        for (ClusterProbe.Reachability cluster : status.clusters()) {
            out.printf("  %-16s %-46s %s%n", cluster.cluster().label(), cluster.address(),
                    cluster.fine() ? "UP" : cluster.answering() ? "REFUSING: " + cluster.problem()
                            : "NOT ANSWERING: " + cluster.problem());
        }
        for (PipelineStatus.Pipeline pipeline : status.pipelines()) {
            out.println();
            out.printf("Pipeline %s (topic %s, %s)%n", pipeline.name(), pipeline.topic(),
                    pipeline.endOffset() < 0 ? "does not exist" : "end offset " + pipeline.endOffset());
            for (PipelineStatus.Source source : pipeline.sources()) {
                out.printf("  export %s%s: %d of %d memories%s%n", source.source(),
                        source.filter().isEmpty() ? "" : " " + source.filter(), source.position(), source.total(),
                        source.complete() ? ", complete" : "");
            }
            if (pipeline.rejects().records() >= 0) {
                out.printf("  rejected records (%s): %d%n", pipeline.rejects().topic(), pipeline.rejects().records());
            }
            if (pipeline.generations().isEmpty()) {
                out.println("  no model re-embeds it yet");
                continue;
            }
            for (PipelineStatus.Generation generation : pipeline.generations()) {
                out.printf("  model %s, generation %d -> %s (end offset %d)%n", generation.model(),
                        generation.generation(), generation.topic(), generation.endOffset());
                out.printf(row, "STAGE", "GROUP / INDEX", "MEMBERS", "LAG", "RATE/S", "ETA", "DLQ", "");
                row(out, row, "re-embedder", generation.reembedder(), generation.reembedder().group(), generation.dlq(), "");
                for (PipelineStatus.Index index : generation.indices()) {
                    row(out, row, "importer", index.importer(), index.index(), index.dlq(), describe(index));
                }
                if (generation.indices().isEmpty()) {
                    out.println("  (no index is filled from it)");
                }
            }
        }
        out.println();
        List<String> problems = status.problems();
        if (problems.isEmpty()) {
            out.println("Healthy.");
        } else {
            out.println("Unhealthy:");
            problems.forEach(problem -> out.println("  - " + problem));
        }
    }

    private static void row(PrintWriter out, String format, String stage, PipelineStatus.GroupProgress progress, String name,
                            PipelineStatus.TopicCount dlq, String note) {
        out.printf(format, stage, name, progress.members(), progress.lag(), rate(progress.rate()),
                eta(progress), count(dlq.records()), note);
    }

    private static String describe(PipelineStatus.Index index) {
        String aliases = index.aliases().isEmpty() ? "no alias" : "alias " + String.join(", ", index.aliases());
        String verify = index.verifyPassed() == null ? "never verified"
                : ("true".equals(index.verifyPassed()) ? "verify passed" : "VERIFY FAILED") + " at " + index.verifiedAt();
        return aliases + "; " + verify;
    }

    private static String rate(Double rate) {
        return rate == null ? "-" : String.format(Locale.ROOT, "%.1f", rate);
    }

    static String eta(PipelineStatus.GroupProgress progress) {
        if (progress.lag() == 0) {
            return "caught up";
        }
        if (progress.etaSeconds() == null) {
            return progress.rate() == null ? "-" : "stalled";
        }
        return duration(progress.etaSeconds());
    }

    static String duration(double seconds) {
        if (seconds < 60) {
            return String.format(Locale.ROOT, "%.0f s", Math.ceil(seconds));
        }
        long s = (long) Math.ceil(seconds);
        if (s < 3600) {
            return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
    }

    private static String count(long records) {
        return records < 0 ? "-" : Long.toString(records);
    }
}
