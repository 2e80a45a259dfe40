package io.memshift.cli;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.control.FailureDiagnosis;
import io.memshift.control.AliasSwitch;
import io.memshift.control.Clusters;
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
                return Memshift.EXIT_OK;
            }
        });
    }
}
