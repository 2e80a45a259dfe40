package io.memshift.cli;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.control.FailureDiagnosis;
import io.memshift.control.AliasSwitch;
import io.memshift.control.Clusters;
import io.memshift.control.IndexNames;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code memshift cutover}: points the alias at a new index in one atomic call, if the index is ready. */
@Command(name = "cutover", mixinStandardHelpOptions = true, description = {
        "Points the alias at the index in one atomic _aliases call.",
        "Refused while the index's importer still has records to write, or if its last verify failed, unless --force.",
        "With --take-over-index, the alias takes the name of an existing index (an app that keeps its collection name):",
        "that index is kept as a copy (--keep-as) for rollback and replaced by the alias in the same atomic call."})
final class CutoverCommand implements Callable<Integer> {

    @Option(names = "--alias", defaultValue = "memories", description = "The alias readers use (default: ${DEFAULT-VALUE}).")
    String alias;

    @Option(names = "--index", required = true, description = "The index to switch readers to.")
    String index;

    @Option(names = "--force", description = "Switch even if the importer lags or the last verify failed.")
    boolean force;

    @Option(names = "--take-over-index", description = {"The alias is the name of an existing index (the app's collection):"
            + " block its writes, keep it as a clone named by --keep-as, and in one _aliases call remove it and point"
            + " the alias of that name at --index. rollback goes back to the clone."})
    boolean takeOver;

    @Option(names = "--keep-as", description = "With --take-over-index: the name to keep the old index under"
            + " (default: <alias>-before-memshift).")
    String keepAs;

    @CommandLine.Mixin
    ClusterEndpoints endpoints = new ClusterEndpoints();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        // Elasticsearch takes an alias of any case, but the app asks for its collection in lower case: a mistyped
        // alias would be created beside the one it reads, and the cutover would look done.
        IndexNames.requireValid(alias, "--alias");
        if (keepAs != null) {
            IndexNames.requireValid(keepAs, "--keep-as");
        }
        Clusters clusters = endpoints.resolveRunning();
        return FailureDiagnosis.explaining(clusters, "cutover", () -> {
            try (ElasticsearchClient es = ElasticsearchClients.connect(clusters.elasticsearch())) {
                AliasSwitch aliases = new AliasSwitch(es, clusters.kafka());
                AliasSwitch.CutoverOutcome outcome = takeOver
                        ? aliases.takeOver(alias, index, keepAs != null ? keepAs : alias + "-before-memshift", force)
                        : aliases.cutover(alias, index, force);
                AliasSwitch.Readiness readiness = outcome.readiness();
                if (outcome instanceof AliasSwitch.Refused) {
                    if (readiness.lagging()) {
                        out.printf("Refused: the importer of %s is %d records behind %s; wait, or use --force.%n", index,
                                readiness.lag(), readiness.topic());
                    } else {
                        out.printf("Refused: the last verify of %s (at %s) failed; fix and verify again, or use --force.%n",
                                index, readiness.verifiedAt());
                    }
                    return Memshift.EXIT_FAILED;
                }
                if (outcome instanceof AliasSwitch.TookOver tookOver) {
                    out.printf("Alias %s: index %s (kept as %s) -> %s%s%n", alias, alias, tookOver.keptAs(), index,
                            tookOver.forced() ? " (forced)" : "");
                } else {
                    AliasSwitch.Moved moved = (AliasSwitch.Moved) outcome;
                    out.printf("Alias %s: %s -> %s%s%n", alias, moved.previous().isEmpty() ? "(none)"
                            : String.join(", ", moved.previous()), index, moved.forced() ? " (forced)" : "");
                }
                if (readiness.neverVerified()) {
                    out.printf("Note: %s was never verified (./memshift verify --source ... --index %s).%n", index, index);
                }
                return Memshift.EXIT_OK;
            }
        });
    }
}
