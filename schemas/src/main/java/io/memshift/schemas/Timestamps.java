package io.memshift.schemas;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * Parses the timestamps Mem0 and the scripts around it write: ISO-8601 with an offset
 * ({@code 2024-07-20T01:03:19.545405-07:00}, also {@code -0700} or {@code -07}, as Elasticsearch's own date
 * format takes them), with {@code Z}, or without a zone (taken as UTC, as Mem0 stores UTC), with 'T' or a space
 * between date and time; or a date alone ({@code 2024-07-20}, midnight UTC).
 */
public final class Timestamps {

    /**
     * A local date-time and then exactly one offset in the spellings {@link DateTimeFormatter#ISO_OFFSET_DATE_TIME}
     * does not read ({@code -0700}, {@code -07}): each a formatter of its own that must read the whole text, so that
     * two offsets in a row are refused as before.
     */
    private static final List<DateTimeFormatter> WITH_OFFSET = java.util.stream.Stream.of("+HHMM", "+HH")
            .map(pattern -> new DateTimeFormatterBuilder().append(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
                    .appendOffset(pattern, "Z").toFormatter())
            .toList();

    private Timestamps() {
    }

    /** @throws DateTimeParseException if the text is none of the accepted forms */
    public static Instant parse(String text) {
        String iso = text.trim();
        if (iso.length() > 10 && iso.charAt(10) == ' ') {
            iso = iso.substring(0, 10) + 'T' + iso.substring(11);
        }
        if (iso.length() == 10) {
            return LocalDate.parse(iso, DateTimeFormatter.ISO_LOCAL_DATE).atStartOfDay(ZoneOffset.UTC).toInstant();
        }
        try {
            // As before: ISO with an offset, then without a zone (UTC), then Instant's own (a leap second).
            return OffsetDateTime.parse(iso, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException notIsoOffset) {
            for (DateTimeFormatter format : WITH_OFFSET) {
                try {
                    return OffsetDateTime.parse(iso, format).toInstant();
                } catch (DateTimeParseException notThisOne) {
                    // the next spelling
                }
            }
            try {
                return LocalDateTime.parse(iso, DateTimeFormatter.ISO_LOCAL_DATE_TIME).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException notLocal) {
                return Instant.parse(iso);
            }
        }
    }
}
