package io.memshift.cli;

import io.memshift.control.FailureDiagnosis;
import io.memshift.control.Clusters;
import io.memshift.control.InvalidRequestException;
import io.memshift.control.PipelineChoice;
import io.memshift.control.Pipelines;
import io.memshift.control.Search;
import io.memshift.reembedder.EmbeddingModels;
import io.memshift.schemas.Pipeline;
import io.memshift.control.Verification;
import io.memshift.control.VerifyReport;
import io.memshift.exporter.MemorySource;
import io.memshift.schemas.Json;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code memshift verify}: checks an index against its source before readers are switched to it.
 * Per user: counts and content checksums. Sampled memories: re-embedded and compared with the stored vector.
 * Retrieval: overlap of the k nearest neighbours with the previous index. Exit 0 only if every check passes;
 * the outcome is noted on the index, and `cutover` refuses an index whose last verify failed.
 */
@Command(name = "verify", mixinStandardHelpOptions = true, description = {
        "Checks an index against its source: per-user counts and content checksums, sampled vectors re-embedded,"
                + " and retrieval overlap@k against the previous index.",
        "Exit code 0 only if every check passes."})
final class VerifyCommand implements Callable<Integer> {

    @Option(names = "--source", required = true, description = "The source the index was filled from: " + OptionHelp.SOURCE_KINDS + ".")
    String source;

    @Option(names = "--index", description = "The index to verify (default: the index of the source's pipeline, the"
            + " model's if --model is given).")
    String index;

    @Option(names = "--pipeline", description = "The pipeline whose index to verify, when --index is not given"
            + " (default: the source's store's own).")
    String pipelineName;

    @Option(names = "--model", description = "Model to re-embed samples with (default: the one recorded in the index): " + OptionHelp.MODELS + ".")
    String model;

    @Option(names = "--sample", defaultValue = "50", description = "Memories to re-embed and to use as queries (default: ${DEFAULT-VALUE}).")
    int sample;

    @Option(names = "--min-cosine", defaultValue = "0.9999", description = "Lowest acceptable cosine between a stored and a fresh vector (default: ${DEFAULT-VALUE}).")
    double minCosine;

    @Option(names = "--compare-index", description = "Earlier index for the retrieval comparison (default: the one the alias or the last cutover came from).")
    String compareIndex;

    @Option(names = "--alias", defaultValue = "memories", description = "Alias whose current index is compared with (default: ${DEFAULT-VALUE}).")
    String alias;

    @Option(names = "--queries", description = "A file of queries, one per line, for the retrieval comparison instead of sampled memory texts.")
    Path queries;

    @Option(names = "--k", defaultValue = "10", description = "Neighbours compared per query (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--min-overlap", description = "Fail if the mean overlap@k is below this (default: report only).")
    Double minOverlap;

    @Option(names = "--allow-extra", description = "Do not fail on memories the index holds but the source does not (live additions).")
    boolean allowExtra;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the sample (default: ${DEFAULT-VALUE}).")
    long seed;

    @CommandLine.Mixin
    ClusterEndpoints endpoints = new ClusterEndpoints();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * Refuses, before any check runs, numbers no check can use and a query file that is not there: they surfaced as
     * Java's own messages ("fromIndex(0) > toIndex(-1)", a bare path) after the count and vector checks, or not at
     * all when there was no earlier index to compare with.
     */
    private void requireValidOptions() {
        if (sample < 1) {
            throw new InvalidRequestException("--sample: " + sample + " is not a positive number of memories");
        }
        Search.requireK(k);
        if (minCosine < -1 || minCosine > 1) {
            throw new InvalidRequestException("--min-cosine: " + minCosine + " is not between -1 and 1");
        }
        if (minOverlap != null && (minOverlap < 0 || minOverlap > 1)) {
            throw new InvalidRequestException("--min-overlap: " + minOverlap + " is not between 0 and 1");
        }
        if (queries != null && !java.nio.file.Files.isReadable(queries)) {
            throw new InvalidRequestException("--queries: the file " + queries + (java.nio.file.Files.exists(queries)
                    ? " cannot be read" : " does not exist"));
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        requireValidOptions();
        SourceUri sourceUri = SourceUri.parse(source);
        MemorySource memories = sourceUri.open(null, null, null, endpoints.sourceElasticsearch(sourceUri));
        Clusters clusters = endpoints.resolveRunning();
        String index = this.index;
        if (index == null) {
            Pipeline pipeline;
            try {
                pipeline = PipelineChoice.pipelineFor(memories.storeName(), pipelineName, null);
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException(e.getMessage());
            }
            index = new Pipelines(clusters).indexOf(pipeline,
                    model == null ? null : EmbeddingModels.profile(model).id());
            // Said on stderr: with --json, stdout holds the report only.
            spec.commandLine().getErr().printf("Verifying %s, the index of pipeline %s%n", index, pipeline.name());
        }
        Verification verification = new Verification(clusters, new Verification.Options(index, model, sample,
                minCosine, compareIndex, alias, queries, k, minOverlap, allowExtra, seed));
        VerifyReport report = FailureDiagnosis.explaining(clusters, "verify", () -> verification.run(memories));
        if (json) {
            printJson(out, report);
        } else {
            printTable(out, report);
        }
        return report.passed() ? Memshift.EXIT_OK : Memshift.EXIT_FAILED;
    }

    static void printJson(PrintWriter out, VerifyReport report) {
        try {
            out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(report));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        out.flush();
    }

    static void printTable(PrintWriter out, VerifyReport report) {
        List<VerifyReport.UserRow> users = report.users();
        out.printf("Verify %s (%s layout) against %s%n%n", report.index(), report.layout(), report.source());
        out.printf("%-24s %8s %8s %8s %8s %8s  %s%n", "user", "source", "target", "missing", "extra", "changed", "checksum");
        for (VerifyReport.UserRow row : users) {
            out.printf("%-24s %8d %8d %8d %8d %8d  %s%n", row.user(), row.source(), row.target(), row.missing(),
                    row.extra(), row.changed(), row.checksumEqual() ? "equal" : "DIFFERS");
        }
        long source = users.stream().mapToLong(VerifyReport.UserRow::source).sum();
        long target = users.stream().mapToLong(VerifyReport.UserRow::target).sum();
        out.printf("%-24s %8d %8d %8d %8d %8d%n%n", "total", source, target, report.missing().size(),
                report.extra().size(), report.changed().size());
        printIds(out, "missing", report.missing());
        printIds(out, "extra", report.extra());
        printIds(out, "changed", report.changed());
        if (!report.deletedSince().isEmpty()) {
            out.printf("deleted    %d memories of the source were deleted since, at a later version (not counted above)%n",
                    report.deletedSince().size());
            printIds(out, "deleted", report.deletedSince());
        }
        VerifyReport.EntityCheck entities = report.entities();
        if (entities != null) {
            out.printf("entities   %s: source %d, target %d, missing %d, extra %d, changed %d, checksum %s%n",
                    entities.index(), entities.source(), entities.target(), entities.missing().size(),
                    entities.extra().size(), entities.changed().size(), entities.checksumEqual() ? "equal" : "DIFFERS");
            printIds(out, "missing", entities.missing());
            printIds(out, "extra", entities.extra());
            printIds(out, "changed", entities.changed());
            printIds(out, "deleted", entities.deletedSince());
            out.printf("           %d sampled entities re-embedded: %d below cosine %.4f (lowest %.6f)%n",
                    entities.vectors().sampled(), entities.vectors().failed(), entities.vectors().threshold(),
                    entities.vectors().minCosine());
            printIds(out, "bad vector", entities.vectors().failedIds());
        }
        VerifyReport.VectorCheck vectors = report.vectors();
        out.printf("vectors    %d sampled memories re-embedded with %s: %d below cosine %.4f (lowest %.6f)%n",
                vectors.sampled(), vectors.model(), vectors.failed(), vectors.threshold(), vectors.minCosine());
        printIds(out, "bad vector", vectors.failedIds());
        VerifyReport.RetrievalCheck retrieval = report.retrieval();
        if (retrieval == null) {
            report.skipped().stream().filter(s -> s.check().equals("retrieval")).forEach(s ->
                    out.printf("retrieval  %s: not checked (--compare-index <index> compares with another)%n", s.reason()));
        } else {
            out.printf("retrieval  overlap@%d with %s over %d %s: %.3f%s%n", retrieval.k(), retrieval.comparedWith(),
                    retrieval.queryCount(), retrieval.queries(), retrieval.meanOverlap(),
                    retrieval.minOverlap() == null ? "" : String.format(" (minimum %.3f)", retrieval.minOverlap()));
        }
        out.println();
        if (report.passed()) {
            // A check not made is not a check passed: say which were not.
            out.println(report.skipped().isEmpty() ? "PASSED" : "PASSED, but not checked: " + String.join(", ",
                    report.skipped().stream().map(VerifyReport.Skipped::check).toList()));
        } else {
            out.println("FAILED");
            report.failures().forEach(f -> out.println("  - " + f));
        }
        out.flush();
    }

    private static void printIds(PrintWriter out, String what, List<String> ids) {
        if (!ids.isEmpty()) {
            out.printf("%-10s %s%s%n", what, String.join(", ", ids.subList(0, Math.min(10, ids.size()))),
                    ids.size() > 10 ? " ... (" + ids.size() + ")" : "");
        }
    }
}
