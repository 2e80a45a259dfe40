package io.memshift.control;

import java.util.List;

/**
 * What a {@link Plan} found: the source's memories by user, agent and run, the tokens the model will read, what
 * that costs, how long it takes, and how big the index gets. Every estimate says how it was made.
 *
 * @param memories the memories that would be published (the newest valid version of each)
 * @param invalid  records the exporter would refuse (or, with {@code --skip-invalid}, set aside)
 * @param problems the first problems of those records, naming position, id and field
 * @param users    memories per user, most first ({@code (no user)} for memories without one)
 * @param agents   distinct agent ids
 * @param runs     distinct run ids
 */
public record PlanReport(String source, String model, int dims, long memories, long invalid, List<String> problems,
                         List<UserCount> users, long agents, long runs, Tokens tokens, Cost cost, Time time,
                         IndexSizeEstimate index) {

    public record UserCount(String user, long memories) {
    }

    /**
     * The tokens the model reads: every memory's model input (e5's prefix included) counted.
     *
     * @param distinctTexts  memories with a model input of their own; a text several memories share may be
     *                       embedded once (the re-embedder's cache), so the cost lies between the two counts
     * @param distinctTokens the tokens of those
     * @param exact          whether {@code method} is the model's own tokenizer, not an estimate
     */
    public record Tokens(long total, long max, double mean, long distinctTexts, long distinctTokens, boolean exact,
                         String method) {
    }

    /**
     * @param usd           null if the price table gives no price for the model
     * @param usdPerMillion the price used
     * @param prices        the price table: where it comes from and its date
     */
    public record Cost(Double usd, Double usdPerMillion, String prices, String asOf) {
    }

    /**
     * How long the re-embedding takes.
     *
     * @param seconds null if it cannot be told
     * @param basis   {@code rate-limits} (the provider's, from the price table), {@code measured} (a sample of the
     *                source's texts embedded here), or {@code unknown}
     * @param detail  the figures behind it, or why there are none
     */
    public record Time(Double seconds, String basis, String detail) {
    }
}
