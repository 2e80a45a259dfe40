package io.memshift.cli;

import com.fasterxml.jackson.databind.SerializationFeature;
import io.memshift.control.FailureDiagnosis;
import io.memshift.control.Clusters;
import io.memshift.control.Pipelines;
import io.memshift.schemas.Json;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code memshift pipelines}: every pipeline with its stores, models, generations and indices. */
@Command(name = "pipelines", mixinStandardHelpOptions = true, description = {
        "Lists the pipelines: each store's log, the stores exported into it, the models and generations re-embedding"
                + " it, and the indices filled from them with their aliases."})
final class PipelinesCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Print the list as JSON.")
    boolean json;

    @CommandLine.Mixin
    ClusterEndpoints endpoints = new ClusterEndpoints();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Clusters clusters = endpoints.resolveRunning();
        List<Pipelines.View> views = FailureDiagnosis.explaining(clusters, "pipelines", () -> new Pipelines(clusters).list());
        if (json) {
            out.println(Json.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(views));
        } else if (views.isEmpty()) {
            out.println("No pipeline yet: `memshift migrate --source ...` or `memshift export --source ...` makes one.");
        } else {
            views.forEach(view -> print(out, view));
        }
        out.flush();
        return Memshift.EXIT_OK;
    }

    private static void print(PrintWriter out, Pipelines.View view) {
        out.printf("pipeline %s%n", view.pipeline().name());
        out.printf("  log       %s (intake %s; %d partitions%s)%n", view.pipeline().log(), view.pipeline().intake(),
                view.topics().partitions(), view.topics().replication()
                        .map(rf -> ", replication factor " + rf).orElse(""));
        out.printf("  sources   %s%n", view.sources().isEmpty() ? "(none recorded)" : String.join(", ", view.sources()));
        out.printf("  models    %s%n", view.models().isEmpty() ? "(none yet)" : view.models().stream()
                .map(m -> m.slug() + " (generations " + m.generations().stream().map(String::valueOf)
                        .collect(Collectors.joining(", ")) + ")")
                .collect(Collectors.joining("; ")));
        if (view.indices().isEmpty()) {
            out.printf("  indices   (none yet)%n");
        }
        for (int i = 0; i < view.indices().size(); i++) {
            Pipelines.Index index = view.indices().get(i);
            out.printf("  %s %s%s (from %s)%n", i == 0 ? "indices  " : "         ", index.name(),
                    index.aliases().isEmpty() ? "" : " <- " + String.join(", ", index.aliases()), index.topic());
        }
    }
}
