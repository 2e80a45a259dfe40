package io.memshift.cli;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.control.FailureDiagnosis;
import io.memshift.control.AliasSwitch;
import io.memshift.control.Clusters;
import io.memshift.importer.IndexLifecycle;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code memshift rollback}: points the alias back at the index it pointed to before the last cutover. */
@Command(name = "rollback", mixinStandardHelpOptions = true, description = "Points the alias back at the index it pointed to before the last cutover, atomically.")
final class RollbackCommand implements Callable<Integer> {

    @Option(names = "--alias", defaultValue = "memories", description = "The alias readers use (default: ${DEFAULT-VALUE}).")
    String alias;

    @CommandLine.Mixin
    ClusterEndpoints endpoints = new ClusterEndpoints();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Clusters clusters = endpoints.resolveRunning();
        return FailureDiagnosis.explaining(clusters, "rollback", () -> {
            try (ElasticsearchClient es = ElasticsearchClients.connect(clusters.elasticsearch())) {
                List<String> moved = new AliasSwitch(es, clusters.kafka()).rollback(alias);
                out.printf("Alias %s: %s -> %s (rolled back)%n", alias, moved.get(0), moved.get(1));
                // A rollback is for when the new index misbehaves, so it is not refused; but what the app wrote
                // since the cutover went to the index the alias leaves, and its readers lose it without a word.
                long added;
                try {
                    added = new IndexLifecycle(es).writtenByOthers(moved.get(0));
                } catch (RuntimeException e) {
                    // The rollback is done; a count it could not take (a user with alias rights only, say) must
                    // not make it look failed.
                    out.printf("(Could not count the memories added to %s since the cutover: %s)%n", moved.get(0),
                            e.getMessage());
                    added = 0;
                }
                if (added > 0) {
                    String them = added == 1 ? "it" : "them";
                    out.printf("Warning: %d %s in %s %s added through alias %s after the cutover (Mem0 wrote"
                            + " them; they carry no memshift marks), and %s does not have %s. The app no longer"
                            + " sees %s; %s keeps %s. (Updates and deletes made since the cutover are not in %s"
                            + " either.)%n", added, added == 1 ? "memory" : "memories", moved.get(0),
                            added == 1 ? "was" : "were", alias, moved.get(1), them, them, moved.get(0), them,
                            moved.get(1));
                }
                return Memshift.EXIT_OK;
            }
        });
    }
}
