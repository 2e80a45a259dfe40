package io.memshift.schemas;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The per-memory version every event carries, which Elasticsearch uses as its external version.
 *
 * <p>The rule: {@code version = micros * 1000 + tieBreak}, where {@code micros} is the event's time in
 * microseconds since the epoch (an upsert's {@code updated_at}, else its {@code created_at}; a delete's time of
 * deletion) and {@code tieBreak} is in 0..998 for an upsert, taken from the md5 of its text, and 999 for a delete.
 * So a later change always has a higher version; two different texts stamped with the same microsecond are
 * ordered the same way on every run, whatever order they arrive in; re-reading an unchanged memory gives the
 * same version (a no-op downstream); and a delete wins over an upsert of the same instant. Times before 1970
 * count as 0. A version is Elasticsearch's external version, a signed long, so the rule dates nothing after
 * {@link #LATEST} (2262-04-11T23:47:16.854774Z): a source's later timestamp is invalid input, refused where it is
 * validated, not a version that wraps around.
 *
 * <p>A memory with neither timestamp (in either of Mem0's spellings) is dated by when its source was observed:
 * a file's modification time, or the start of the export for a store read live. Without that, its version would
 * be the tie-break alone, and a changed text exported later could lose to the text it replaces. With it, a later
 * export of a changed store always wins, as does any timestamped change made after the observation; an unchanged
 * file observed again keeps its versions.
 */
public final class MemoryVersion {

    private static final long TIE_BREAK_RANGE = 1000;
    private static final long DELETE_TIE_BREAK = TIE_BREAK_RANGE - 1;

    /** The latest time a version can carry: its micros times 1000, plus a delete's tie-break, is a signed long. */
    public static final Instant LATEST = Instant.EPOCH.plus(
            (Long.MAX_VALUE - DELETE_TIE_BREAK) / TIE_BREAK_RANGE, ChronoUnit.MICROS);

    private MemoryVersion() {
    }

    /** For a memory that carries its own timestamps (a live change, say); see the four-argument form otherwise. */
    public static long ofUpsert(Instant updatedAt, Instant createdAt, String text) {
        return ofUpsert(updatedAt, createdAt, null, text);
    }

    /**
     * @param observedAt when the source was observed: the time of a memory with neither {@code updatedAt} nor
     *                   {@code createdAt} (null: such a memory gets the tie-break alone)
     * @throws IllegalArgumentException if the time that dates it is after {@link #LATEST}
     */
    public static long ofUpsert(Instant updatedAt, Instant createdAt, Instant observedAt, String text) {
        Instant at = updatedAt != null ? updatedAt : createdAt != null ? createdAt : observedAt;
        return micros(at) * TIE_BREAK_RANGE + textTieBreak(text);
    }

    /** @throws IllegalArgumentException if {@code deletedAt} is after {@link #LATEST} */
    public static long ofDelete(Instant deletedAt) {
        return micros(deletedAt) * TIE_BREAK_RANGE + DELETE_TIE_BREAK;
    }

    /** @throws IllegalArgumentException if {@code at} is after {@link #LATEST} */
    private static long micros(Instant at) {
        if (at == null || at.isBefore(Instant.EPOCH)) {
            return 0;
        }
        if (at.isAfter(LATEST)) {
            throw new IllegalArgumentException(at + " is after " + LATEST + ", the latest time a version can carry");
        }
        return ChronoUnit.MICROS.between(Instant.EPOCH, at);
    }

    private static long textTieBreak(String text) {
        if (text == null) {
            return 0;
        }
        try {
            byte[] md5 = MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8));
            long value = ((md5[0] & 0xffL) << 16) | ((md5[1] & 0xffL) << 8) | (md5[2] & 0xffL);
            return value % DELETE_TIE_BREAK;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is part of every Java runtime", e);
        }
    }
}
