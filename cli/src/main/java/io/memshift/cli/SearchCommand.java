package io.memshift.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.memshift.control.InvalidRequestException;
import io.memshift.control.Search;
import java.io.PrintWriter;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code memshift search "<query>"}: the k nearest memories, the query embedded with the index's own model. */
@Command(name = "search", mixinStandardHelpOptions = true, description = {
        "Searches an index the way an app would: the query is embedded with the model the index records (the same"
                + " model input as its memories, as memshift serve embeds an app's queries), then the k nearest"
                + " memories are listed, never a deleted one.",
        "--compare searches an earlier index side by side, its query embedded with that index's own model."})
final class SearchCommand implements Callable<Integer> {

    static final String DEFAULT_ALIAS = "memories";

    @Parameters(arity = "1..*", paramLabel = "QUERY", description = "The query text (several words are joined by spaces).")
    List<String> words;

    @Option(names = "--alias", description = "Alias to search (default: " + DEFAULT_ALIAS + ", unless --index is given).")
    String alias;

    @Option(names = "--index", description = "Index to search instead of an alias.")
    String index;

    @Option(names = "--user", description = "Only this user's memories.")
    String user;

    @Option(names = "--k", defaultValue = "10", description = "Memories to list (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--compare", description = "An earlier index (or alias) to search side by side, e.g. the one before"
            + " the cutover; its model must be one memshift can run here.")
    String compare;

    @Option(names = "--json", description = "Print the hits as JSON, texts whole.")
    boolean json;

    @CommandLine.Mixin
    ClusterEndpoints endpoints = new ClusterEndpoints();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (alias != null && index != null) {
            throw new InvalidRequestException("give --alias or --index, not both");
        }
        String target = index != null ? index : alias != null ? alias : DEFAULT_ALIAS;
        String query = String.join(" ", words);
        Search.Options options = new Search.Options(target, user, k, compare);
        io.memshift.clients.ElasticsearchSettings elasticsearch = endpoints.elasticsearchRunning();
        Search.Result result;
        try {
            result = new Search(elasticsearch, System.getenv()).run(query, options);
        } catch (IllegalArgumentException refused) {
            throw refused;
        } catch (RuntimeException e) {
            // "cannot check index x" alone named neither the cluster nor why.
            for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof java.net.ConnectException || t instanceof java.net.http.HttpConnectTimeoutException
                        || t instanceof java.net.UnknownHostException) {
                    throw new io.memshift.control.MigrationFailedException("Elasticsearch at " + elasticsearch.url()
                            + " is not answering (" + t.getClass().getSimpleName()
                            + (t.getMessage() == null ? "" : ": " + t.getMessage()) + ")", e);
                }
            }
            throw e;
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            try {
                out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(result));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        } else {
            print(out, result);
        }
        out.flush();
        return Memshift.EXIT_OK;
    }

    static void print(PrintWriter out, Search.Result result) {
        Search.Side hits = result.hits();
        out.printf("Search \"%s\"%s, k=%d%n", result.query(), result.user() == null ? "" : " for user " + result.user(),
                result.k());
        out.println("score: Elasticsearch's kNN score; with cosine similarity, (1 + cosine) / 2");
        out.println();
        Search.Side old = result.compared();
        if (old == null) {
            out.printf("%s%n", describe(hits));
            out.printf("%4s  %-7s %-14s %-38s %s%n", "rank", "score", "user", "id", "text");
            for (Search.Found hit : hits.hits()) {
                out.printf("%4d  %.4f  %-14s %-38s %s%n", hit.rank(), hit.score(), cut(hit.user(), 14), hit.id(),
                        hit.text());
            }
            if (hits.hits().isEmpty()) {
                out.println("      no memories found");
            }
            return;
        }
        String left = String.format("%-61s", cut(describe(hits), 61));
        out.printf("      %s | %s%n", left, describe(old));
        out.printf("%4s  %-7s %-12s %-40s | %-7s %-12s %s%n", "rank", "score", "user", "text", "score", "user", "text");
        int rows = Math.max(hits.hits().size(), old.hits().size());
        for (int i = 0; i < rows; i++) {
            out.printf("%4d  %s | %s%n", i + 1, cell(hits.hits(), i), cell(old.hits(), i));
        }
        Set<String> both = new HashSet<>();
        hits.hits().forEach(h -> both.add(h.id()));
        long common = old.hits().stream().filter(h -> both.contains(h.id())).count();
        out.printf("%nin both: %d of %d%n", common, result.k());
    }

    private static String describe(Search.Side side) {
        return side.target().equals(side.index()) ? side.index() + " (" + side.model() + ")"
                : side.target() + " -> " + side.index() + " (" + side.model() + ")";
    }

    private static String cell(List<Search.Found> hits, int i) {
        if (i >= hits.size()) {
            return String.format("%-61s", "");
        }
        Search.Found hit = hits.get(i);
        return String.format("%.4f  %-12s %-40s", hit.score(), cut(hit.user(), 12), cut(hit.text(), 40));
    }

    private static String cut(String text, int width) {
        if (text == null) {
            return "-";
        }
        return text.length() <= width ? text : text.substring(0, width - 3) + "...";
    }
}
