package io.memshift.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.List;

/** What `memshift verify` found: per-user counts and checksums, sampled vectors, retrieval overlap. */
record VerifyReport(String source, String index, boolean passed, List<UserRow> users, List<String> missing,
                    List<String> extra, List<String> changed, VectorCheck vectors, RetrievalCheck retrieval,
                    List<String> failures) {

    /** One user's memories: counts on each side and whether their content checksums agree. */
    record UserRow(String user, long source, long target, long missing, long extra, long changed, boolean checksumEqual) {
    }

    /** Sampled memories re-embedded and compared with the stored vector. */
    record VectorCheck(String model, int sampled, int failed, double minCosine, double threshold, List<String> failedIds) {
    }

    /** Overlap of the k nearest neighbours in this index and the one compared with. */
    record RetrievalCheck(String comparedWith, String queries, int k, int queryCount, double meanOverlap,
                          Double minOverlap) {
    }

    void printJson(PrintWriter out) {
        try {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(this));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        out.flush();
    }

    void printTable(PrintWriter out) {
        out.printf("Verify %s against %s%n%n", index, source);
        out.printf("%-24s %8s %8s %8s %8s %8s  %s%n", "user", "source", "target", "missing", "extra", "changed", "checksum");
        for (UserRow row : users) {
            out.printf("%-24s %8d %8d %8d %8d %8d  %s%n", row.user(), row.source(), row.target(), row.missing(),
                    row.extra(), row.changed(), row.checksumEqual() ? "equal" : "DIFFERS");
        }
        long source = users.stream().mapToLong(UserRow::source).sum();
        long target = users.stream().mapToLong(UserRow::target).sum();
        out.printf("%-24s %8d %8d %8d %8d %8d%n%n", "total", source, target, missing.size(), extra.size(), changed.size());
        printIds(out, "missing", missing);
        printIds(out, "extra", extra);
        printIds(out, "changed", changed);
        out.printf("vectors    %d sampled memories re-embedded with %s: %d below cosine %.4f (lowest %.6f)%n",
                vectors.sampled(), vectors.model(), vectors.failed(), vectors.threshold(), vectors.minCosine());
        printIds(out, "bad vector", vectors.failedIds());
        if (retrieval == null) {
            out.println("retrieval  no earlier index to compare with (give --compare-index)");
        } else {
            out.printf("retrieval  overlap@%d with %s over %d %s: %.3f%s%n", retrieval.k(), retrieval.comparedWith(),
                    retrieval.queryCount(), retrieval.queries(), retrieval.meanOverlap(),
                    retrieval.minOverlap() == null ? "" : String.format(" (minimum %.3f)", retrieval.minOverlap()));
        }
        out.println();
        if (passed) {
            out.println("PASSED");
        } else {
            out.println("FAILED");
            failures.forEach(f -> out.println("  - " + f));
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
