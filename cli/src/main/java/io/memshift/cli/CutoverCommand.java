package io.memshift.cli;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.memshift.embedded.StackEndpoints;
import io.memshift.importer.ConsumerGroupLag;
import io.memshift.importer.ElasticsearchClients;
import io.memshift.importer.ImporterConfig;
import io.memshift.importer.IndexLifecycle;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code memshift cutover}: points the alias at a new index in one atomic call, if the index is ready. */
@Command(name = "cutover", description = {
        "Points the alias at the index in one atomic _aliases call.",
        "Refused while the index's importer still has records to write, or if its last verify failed, unless --force."})
final class CutoverCommand implements Callable<Integer> {

    @Option(names = "--alias", defaultValue = "memories", description = "The alias readers use (default: ${DEFAULT-VALUE}).")
    String alias;

    @Option(names = "--index", required = true, description = "The index to switch readers to.")
    String index;

    @Option(names = "--force", description = "Switch even if the importer lags or the last verify failed.")
    boolean force;

    @CommandLine.Mixin
    ClusterEndpoints endpoints = new ClusterEndpoints();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        StackEndpoints clusters = endpoints.resolveRunning();
        try (ElasticsearchClient es = ElasticsearchClients.connect(clusters.elasticsearchUrl())) {
            IndexLifecycle lifecycle = new IndexLifecycle(es);
            if (!lifecycle.exists(index)) {
                throw new BadInputException("index " + index + " does not exist");
            }
            Map<String, String> meta = lifecycle.meta(index);
            String topic = meta.get(IndexLifecycle.META_TOPIC);
            long lag = topic == null ? 0 : ConsumerGroupLag.of(clusters.bootstrapServers(), ImporterConfig.groupIdFor(index), topic);
            String verified = meta.get(IndexLifecycle.META_VERIFY_PASSED);
            if (!force && lag > 0) {
                out.printf("Refused: the importer of %s is %d records behind %s; wait, or use --force.%n", index, lag, topic);
                return Memshift.EXIT_FAILED;
            }
            if (!force && "false".equals(verified)) {
                out.printf("Refused: the last verify of %s (at %s) failed; fix and verify again, or use --force.%n",
                        index, meta.get(IndexLifecycle.META_VERIFY_AT));
                return Memshift.EXIT_FAILED;
            }
            es.indices().refresh(r -> r.index(index));
            Set<String> previous = lifecycle.cutover(alias, index);
            out.printf("Alias %s: %s -> %s%s%n", alias, previous.isEmpty() ? "(none)" : String.join(", ", previous),
                    index, force && (lag > 0 || "false".equals(verified)) ? " (forced)" : "");
            if (verified == null) {
                out.printf("Note: %s was never verified (./memshift verify --source ... --index %s).%n", index, index);
            }
            return Memshift.EXIT_OK;
        }
    }
}
