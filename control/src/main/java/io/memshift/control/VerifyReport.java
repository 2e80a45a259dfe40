package io.memshift.control;

import java.util.List;

/**
 * What a {@link Verification} found: per-user counts and checksums, sampled vectors, retrieval overlap, and the
 * failures that make it not {@code passed}. Lists of ids are sorted.
 *
 * @param layout       the index's document layout ({@code mem0} or {@code memshift})
 * @param deletedSince memories of the source the index holds as deleted at a later version (a tombstone, or a
 *                     delete the ledger records): they arrived, and count in no row
 * @param retrieval    null if the retrieval check was not made; {@code skipped} then says why
 * @param skipped      the checks not made, and why (a check not made is not a check passed)
 * @param entities     the same checks of Mem0's entity store beside the index; null when neither the source has an
 *                     entity store nor the index's holds anything
 */
public record VerifyReport(String source, String index, String layout, boolean passed, List<UserRow> users,
                           List<String> missing, List<String> extra, List<String> changed, List<String> deletedSince,
                           VectorCheck vectors, RetrievalCheck retrieval, List<Skipped> skipped, List<String> failures,
                           EntityCheck entities) {

    /** A report without an entity store on either side. */
    public VerifyReport(String source, String index, String layout, boolean passed, List<UserRow> users,
                        List<String> missing, List<String> extra, List<String> changed, List<String> deletedSince,
                        VectorCheck vectors, RetrievalCheck retrieval, List<Skipped> skipped, List<String> failures) {
        this(source, index, layout, passed, users, missing, extra, changed, deletedSince, vectors, retrieval, skipped,
                failures, null);
    }

    /**
     * Mem0's entity store beside the index ({@code <index>_entities}) against the source's: counts, a checksum of
     * every entity's content (id and payload, as for memories), which are missing, extra, changed or deleted since,
     * and sampled entity vectors re-embedded.
     */
    public record EntityCheck(String index, long source, long target, List<String> missing, List<String> extra,
                              List<String> changed, List<String> deletedSince, boolean checksumEqual,
                              VectorCheck vectors) {
    }

    /** A check that was not made: {@code retrieval} on a first migration, which has no previous index. */
    public record Skipped(String check, String reason) {
    }

    /** One user's memories: counts on each side and whether their content checksums agree. */
    public record UserRow(String user, long source, long target, long missing, long extra, long changed,
                          boolean checksumEqual) {
    }

    /** Sampled memories re-embedded and compared with the stored vector. */
    public record VectorCheck(String model, int sampled, int failed, double minCosine, double threshold,
                              List<String> failedIds) {
    }

    /** Overlap of the k nearest neighbours in this index and the one compared with. */
    public record RetrievalCheck(String comparedWith, String queries, int k, int queryCount, double meanOverlap,
                                 Double minOverlap) {
    }
}
