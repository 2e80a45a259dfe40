package io.memshift.control;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What embedding with a model costs and how fast its provider lets it go: {@code model-prices.txt} (beside this
 * class, documented in its header), optionally overridden row by row by a file of the same form. {@link Plan}
 * prices a migration with it.
 *
 * @param asOf   the date the figures were recorded
 * @param source where they come from: the built-in table, or the override file too
 */
public record PriceTable(String asOf, String source, Map<String, Entry> entries) {

    static final String BUILT_IN = "model-prices.txt";

    /**
     * One row. A null figure is one the table does not give.
     *
     * @param model              a model id, or {@code <provider>:*}
     * @param usdPerMillion      US dollars per 1,000,000 input tokens
     * @param tokensPerMinute    the provider's rate limit in tokens
     * @param requestsPerMinute  the provider's rate limit in requests
     */
    public record Entry(String model, Double usdPerMillion, Long tokensPerMinute, Long requestsPerMinute) {
    }

    public PriceTable {
        entries = Map.copyOf(entries);
    }

    /** memshift's own table. */
    public static PriceTable builtIn() {
        try (InputStream in = PriceTable.class.getResourceAsStream(BUILT_IN)) {
            if (in == null) {
                throw new IllegalStateException(BUILT_IN + " is missing from memshift's control jar");
            }
            List<String> lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            return parse("memshift's " + BUILT_IN, lines, null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + BUILT_IN, e);
        }
    }

    /**
     * This table with the rows of {@code file} in place of its own, model by model.
     *
     * @throws InvalidRequestException naming the file and line of anything it cannot read
     */
    public PriceTable overriddenBy(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InvalidRequestException("price file " + file + " does not exist");
        } catch (IOException e) {
            throw new InvalidRequestException("cannot read price file " + file + ": " + e.getMessage());
        }
        return parse(file.toString(), lines, this);
    }

    /** The row of {@code modelId}, else the row {@code <provider>:*} of its provider. */
    public Optional<Entry> lookup(String modelId) {
        Entry exact = entries.get(modelId);
        if (exact != null) {
            return Optional.of(exact);
        }
        int colon = modelId.indexOf(':');
        return colon < 0 ? Optional.empty() : Optional.ofNullable(entries.get(modelId.substring(0, colon + 1) + "*"));
    }

    /** Rows of {@code lines} (named {@code name} in errors) over those of {@code base}, if any. */
    static PriceTable parse(String name, List<String> lines, PriceTable base) {
        Map<String, Entry> entries = new LinkedHashMap<>(base == null ? Map.of() : base.entries());
        String asOf = base == null ? null : base.asOf();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] columns = line.split("\\s+");
            String where = name + ":" + (i + 1);
            if (columns[0].equals("as-of")) {
                if (columns.length != 2) {
                    throw new InvalidRequestException(where + ": the as-of line takes one date, e.g. as-of 2026-11-25");
                }
                asOf = columns[1];
                continue;
            }
            if (columns.length != 4) {
                throw new InvalidRequestException(where + ": expected 4 columns (model usd_per_1m_tokens"
                        + " tokens_per_minute requests_per_minute, '-' for none), found " + columns.length);
            }
            if (!columns[0].contains(":")) {
                throw new InvalidRequestException(where + ": '" + columns[0] + "' is not a model id"
                        + " (<provider>:<name>, or <provider>:* for all of a provider's models)");
            }
            Double price = columns[1].equals("-") ? null : number(where, "usd_per_1m_tokens", columns[1]);
            Long tokens = columns[2].equals("-") ? null : count(where, "tokens_per_minute", columns[2]);
            Long requests = columns[3].equals("-") ? null : count(where, "requests_per_minute", columns[3]);
            entries.put(columns[0], new Entry(columns[0], price, tokens, requests));
        }
        String source = base == null ? name : base.source() + ", overridden by " + name;
        return new PriceTable(asOf == null ? "undated" : asOf, source, entries);
    }

    private static double number(String where, String column, String text) {
        try {
            double value = Double.parseDouble(text);
            if (value < 0 || Double.isNaN(value) || Double.isInfinite(value)) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(where + ": " + column + " must be a number of dollars, 0 or more,"
                    + " or '-'; got '" + text + "'");
        }
    }

    private static long count(String where, String column, String text) {
        try {
            long value = Long.parseLong(text);
            if (value <= 0) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(where + ": " + column + " must be a whole number above 0, or '-';"
                    + " got '" + text + "'");
        }
    }
}
