package io.memshift.importer;

/**
 * A memory Elasticsearch refused for good (a mapping error, say), as a run reports it: which memory, the answer's
 * status and Elasticsearch's reason. The memory itself is on the dead-letter topic, unchanged.
 *
 * @param memoryId the memory's (or entity's) id
 * @param status   the item's HTTP status in the {@code _bulk} answer
 * @param reason   Elasticsearch's reason, as given
 */
public record Refusal(String memoryId, int status, String reason) {

    /** How a run names it: {@code id (status): reason}, the reason cut at {@code maxReason} characters. */
    public String describe(int maxReason) {
        String shown = reason.length() <= maxReason ? reason : reason.substring(0, maxReason) + " ...";
        return memoryId + " (" + status + "): " + shown;
    }
}
