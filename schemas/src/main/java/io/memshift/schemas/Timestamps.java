package io.memshift.schemas;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Parses the timestamps Mem0 writes: ISO-8601 with an offset ({@code 2024-07-20T01:03:19.545405-07:00}), with
 * {@code Z}, or without a zone (taken as UTC, as Mem0 stores UTC), with 'T' or a space between date and time.
 */
public final class Timestamps {

    private Timestamps() {
    }

    /** @throws DateTimeParseException if the text is none of the accepted forms */
    public static Instant parse(String text) {
        String iso = text.trim();
        if (iso.length() > 10 && iso.charAt(10) == ' ') {
            iso = iso.substring(0, 10) + 'T' + iso.substring(11);
        }
        try {
            return OffsetDateTime.parse(iso, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException withoutOffset) {
            try {
                return LocalDateTime.parse(iso, DateTimeFormatter.ISO_LOCAL_DATE_TIME).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException notLocal) {
                return Instant.parse(iso);
            }
        }
    }
}
