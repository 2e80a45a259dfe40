package io.memshift.exporter;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How many memories one snapshot may delete (see {@link Reconciliation}): a count ({@code 25}) or a percentage of
 * the memories the pipeline's log holds within the export's filter ({@code 10%}). A snapshot that lacks more than
 * that is more likely broken (a truncated file, a wrong index, a store half restored) than a store that lost that
 * much, so the run is refused until the user says otherwise.
 *
 * @param count   the limit as a count, if given as one
 * @param percent the limit as a percentage, if given as one (0 to 100)
 */
public record MaxDeletes(Long count, Double percent) {

    public static final MaxDeletes DEFAULT = new MaxDeletes(null, 10.0);
    private static final Pattern SHAPE = Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*(%?)\\s*");

    public MaxDeletes {
        if ((count == null) == (percent == null)) {
            throw new IllegalArgumentException("a delete limit is a count or a percentage");
        }
        if (count != null && count < 0 || percent != null && (percent < 0 || percent > 100)) {
            throw new IllegalArgumentException("a delete limit is a count of at least 0 or a percentage from 0 to 100");
        }
    }

    /**
     * @param text {@code 25} or {@code 10%} (a percentage may have decimals: {@code 0.5%})
     * @throws IllegalArgumentException naming the text and the accepted shapes
     */
    public static MaxDeletes parse(String text) {
        Matcher m = SHAPE.matcher(text == null ? "" : text);
        if (!m.matches()) {
            throw new IllegalArgumentException("--max-deletes '" + text + "' is not a count (e.g. 25) or a percentage"
                    + " (e.g. 10%)");
        }
        boolean percentage = !m.group(2).isEmpty();
        if (!percentage && m.group(1).contains(".")) {
            throw new IllegalArgumentException("--max-deletes '" + text + "': a count is a whole number");
        }
        try {
            return percentage ? new MaxDeletes(null, Double.parseDouble(m.group(1)))
                    : new MaxDeletes(Long.parseLong(m.group(1)), null);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--max-deletes '" + text + "': " + e.getMessage(), e);
        }
    }

    /** The most deletes allowed when the log holds {@code live} memories within the filter. */
    public long limit(long live) {
        return count != null ? count : (long) Math.floor(live * percent / 100.0);
    }

    @Override
    public String toString() {
        if (count != null) {
            return Long.toString(count);
        }
        return (percent == Math.rint(percent) ? Long.toString(percent.longValue()) : percent.toString()) + "%";
    }
}
