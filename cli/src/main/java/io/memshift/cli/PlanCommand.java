package io.memshift.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.memshift.control.IndexSizeEstimate;
import io.memshift.control.InvalidRequestException;
import io.memshift.control.Plan;
import io.memshift.control.PlanReport;
import io.memshift.control.PriceTable;
import io.memshift.exporter.MemoryEventConverter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code memshift plan}: what a migration will take, before it runs. Reads the source; publishes nothing. */
@Command(name = "plan", mixinStandardHelpOptions = true, description = {
        "Tells what migrating a source to a model will take, before anything runs: memories per user, agents and"
                + " runs; the tokens the model reads (its own tokenizer for onnx: and OpenAI's models, else an"
                + " estimate that says so); the cost, from memshift's price table or --prices; the time, from the"
                + " provider's rate limits or, for a model that runs here, a measured sample; the index size.",
        "The source is read whole, as migrate would read it; nothing is published and no cluster is needed."})
final class PlanCommand implements Callable<Integer> {

    @Option(names = "--source", required = true, description = "Where the memories are: " + OptionHelp.SOURCE_KINDS + ".")
    String source;

    @Option(names = "--model", required = true, description = "The model to migrate to: " + OptionHelp.MODELS + ". No key is needed to plan.")
    String model;

    @Option(names = "--prices", description = "A price file whose rows replace those of memshift's own table, model by model"
            + " (same form: model usd_per_1m_tokens tokens_per_minute requests_per_minute; see README.md, Plan).")
    Path prices;

    @Option(names = "--speed-sample", defaultValue = "256", description = "Texts of the source to embed to measure a model"
            + " that runs here (onnx:, ollama:); 0 not to measure (default: ${DEFAULT-VALUE}).")
    int speedSample;

    @Option(names = "--users", defaultValue = "20", description = "Users listed in the table, most memories first;"
            + " --json lists all (default: ${DEFAULT-VALUE}).")
    int usersShown;

    @Option(names = "--max-text-chars", defaultValue = "" + MemoryEventConverter.DEFAULT_MAX_TEXT_CHARS,
            description = "Memories with longer text are refused, as by migrate (default: ${DEFAULT-VALUE}).")
    int maxTextChars;

    @Option(names = "--json", description = "Print the plan as JSON.")
    boolean json;

    @CommandLine.Mixin
    IndexShapeOptions shape = new IndexShapeOptions();

    @CommandLine.Mixin
    BatchingOptions batching = new BatchingOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        // Checked before the source is read: a negative count surfaced as Java's "fromIndex(0) > toIndex(-1)"
        // after half the plan was printed.
        if (usersShown < 0) {
            throw new InvalidRequestException("--users: " + usersShown + " is negative");
        }
        if (speedSample < 0) {
            throw new InvalidRequestException("--speed-sample: " + speedSample + " is negative (0 not to measure)");
        }
        PriceTable table = PriceTable.builtIn();
        if (prices != null) {
            table = table.overriddenBy(prices);
        }
        PlanReport report = new Plan(new Plan.Options(model, table, shape.shape(), batching.batchSizeOrDefault(), speedSample,
                maxTextChars, 42), System.getenv()).run(SourceUri.parse(source).open());
        if (json) {
            try {
                out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        } else {
            print(out, report, usersShown);
        }
        out.flush();
        return Memshift.EXIT_OK;
    }

    static void print(PrintWriter out, PlanReport report, int usersShown) {
        out.printf("Plan: %s to %s (%d dims). The source was read whole; nothing was published.%n%n", report.source(),
                report.model(), report.dims());
        out.printf("memories   %,d%s%n", report.memories(), report.invalid() == 0 ? ""
                : String.format(", and %,d invalid records that migrate refuses (--skip-invalid sets them aside)",
                        report.invalid()));
        report.problems().stream().limit(5).forEach(p -> out.println("           " + p));
        out.printf("users      %,d    agents %,d    runs %,d%n", report.users().size(), report.agents(), report.runs());
        List<PlanReport.UserCount> users = report.users();
        for (PlanReport.UserCount user : users.subList(0, Math.min(usersShown, users.size()))) {
            out.printf("  %-28s %,8d%n", user.user(), user.memories());
        }
        if (users.size() > usersShown) {
            out.printf("  ... %,d more users (--users N, or --json)%n", users.size() - usersShown);
        }
        PlanReport.Tokens tokens = report.tokens();
        out.printf("%ntokens     %,d (%s), mean %.1f and max %,d per memory; %,d distinct texts, %,d tokens%n",
                tokens.total(), tokens.exact() ? "exact" : "ESTIMATED", tokens.mean(), tokens.max(),
                tokens.distinctTexts(), tokens.distinctTokens());
        out.printf("           counted with %s%n", tokens.method());
        PlanReport.Cost cost = report.cost();
        if (cost.usd() == null) {
            out.printf("cost       unknown: the price table has no price for %s; give one with --prices <file>%n",
                    report.model());
        } else {
            out.printf("cost       %s at $%s per 1M tokens%n", dollars(cost.usd()), plain(cost.usdPerMillion()));
        }
        out.printf("           prices: %s, as of %s%n", cost.prices(), cost.asOf());
        PlanReport.Time time = report.time();
        out.printf("time       %s%n           %s%n", time.seconds() == null ? "unknown" : "about " + duration(time.seconds()),
                time.detail());
        IndexSizeEstimate index = report.index();
        out.printf("index      about %s (%s, replicas: %d): float vectors %s, quantized copy %s, HNSW graph %s,"
                        + " _source %s (before compression)%n", bytes(index.totalBytes()), index.indexOptions(),
                index.replicas(), bytes(index.floatVectorBytes()), bytes(index.quantizedVectorBytes()),
                bytes(index.graphBytes()), bytes(index.sourceBytes()));
        out.printf("           memory for fast kNN (Elasticsearch's sizing rule): %s per copy%n", bytes(index.ramBytes()));
    }

    /** Whole cents, or, below a cent, enough digits to show the amount. */
    static String dollars(double usd) {
        return usd >= 0.01 || usd == 0 ? String.format("$%,.2f", usd) : String.format("$%.6f", usd);
    }

    private static String plain(double value) {
        return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    static String duration(double seconds) {
        if (seconds < 90) {
            return String.format("%.1f s", seconds);
        }
        if (seconds < 90 * 60) {
            return String.format("%.0f min", seconds / 60);
        }
        return String.format("%.1f h", seconds / 3600);
    }

    static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format("%.1f %s", value, units[unit]);
    }
}
