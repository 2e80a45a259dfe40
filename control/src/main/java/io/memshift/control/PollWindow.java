package io.memshift.control;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Where the next poll of a live store starts, and which of the changes it reads are new to this run. The watermark
 * is the newest change seen, by the store's own clock; a poll starts {@code overlap} before it, because a change
 * stamped earlier can become visible later (the store's refresh delay, writers whose clocks disagree). Re-reading
 * the overlap is harmless downstream (the version gate drops what is not newer), but it is not news: a change is new
 * if this run has not seen the memory at that version or a newer one. What lies before the overlap is never read
 * again, so it is forgotten once it is twice the overlap behind the watermark.
 */
final class PollWindow {

    private final Duration overlap;
    private final Map<String, Seen> seen = new HashMap<>();
    private Instant watermark;

    private record Seen(long version, Instant changedAt) {
    }

    /** @param start the first poll reads from {@code start} minus the overlap (the bulk load's start) */
    PollWindow(Instant start, Duration overlap) {
        this.watermark = start;
        this.overlap = overlap;
    }

    /** Where the next poll starts. */
    Instant since() {
        return watermark.minus(overlap);
    }

    /** Records a change read by a poll; true if this run had not seen the memory at that version or a newer one. */
    boolean isNew(String id, long version, Instant changedAt) {
        Seen before = seen.get(id);
        if (before != null && before.version() >= version) {
            return false;
        }
        seen.put(id, new Seen(version, changedAt));
        return true;
    }

    /** After a poll: moves the watermark to the newest change it saw (never back), forgets what no poll reads again. */
    void advance(Instant newest) {
        if (newest != null && newest.isAfter(watermark)) {
            watermark = newest;
        }
        Instant forget = since().minus(overlap);
        seen.values().removeIf(s -> s.changedAt().isBefore(forget));
    }

    /** How many changes are remembered. */
    int remembered() {
        return seen.size();
    }
}
