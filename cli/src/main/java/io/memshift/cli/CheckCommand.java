package io.memshift.cli;

import io.memshift.control.AccessCheck;
import io.memshift.control.Clusters;
import io.memshift.control.IndexNames;
import io.memshift.control.InvalidRequestException;
import io.memshift.reembedder.EmbeddingModels;
import io.memshift.schemas.Pipeline;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code memshift check}: connects to each cluster with the given settings and reports what memshift can and
 * cannot do there (see {@link AccessCheck}); exit 0 only if a migration would be allowed everything it needs.
 */
@Command(name = "check", mixinStandardHelpOptions = true, description = {
        "Connects to Kafka, the schema registry and Elasticsearch with the given settings (--config, --kafka-config, the"
                + " address options) and reports what memshift can and cannot do on each: log in; create, read and"
                + " write its topics; join its consumer groups; use transactions; register schemas; create the index and"
                + " move the alias. Each refusal names the missing permission.",
        "Writes nothing a migration would not: topic creation is only validated, the schema registered is the"
                + " migration's own, and an index probe is deleted again.",
        "Exit code 0 only if everything a migration needs is allowed."})
final class CheckCommand implements Callable<Integer> {

    @Option(names = "--model", description = "The model a migration would use, for the exact topic, group and index"
            + " names (default: names under the same prefixes, which the same ACLs cover): " + OptionHelp.MODELS + ".")
    String model;

    @Option(names = "--pipeline", defaultValue = "memshift-check", description = "The pipeline a migration would"
            + " use, for its exact topic and group names (default: ${DEFAULT-VALUE}, whose names are under the same"
            + " prefixes as every pipeline's, which the same ACLs cover).")
    String pipelineName;

    @Option(names = "--index", description = "The index a migration would create (default: the pipeline's,"
            + " memories.<pipeline>.<model>-1).")
    String index;

    @Option(names = "--alias", defaultValue = "memories", description = "The alias a migration would move (default: ${DEFAULT-VALUE}).")
    String alias;

    @CommandLine.Mixin
    ClusterEndpoints endpoints = new ClusterEndpoints();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        // A name Elasticsearch refuses came back as a 400 on the probe index, reported as a missing permission.
        if (index != null) {
            IndexNames.requireValid(index, "--index");
        }
        IndexNames.requireValid(alias, "--alias");
        Clusters clusters = endpoints.resolveRunning();
        String modelId = model == null ? "memshift-check" : EmbeddingModels.profile(model).id();
        Pipeline pipeline;
        try {
            pipeline = Pipeline.named(pipelineName);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("--pipeline: " + e.getMessage());
        }
        String target = index != null ? index : IndexNames.defaultIndex(pipeline, modelId);
        AccessCheck.Report report = AccessCheck.check(clusters, AccessCheck.Plan.migration(pipeline, modelId, target, alias));
        Map<String, String> descriptions = Map.of(
                "Kafka at " + clusters.kafka().bootstrapServers(), clusters.kafka().describe(),
                "the schema registry at " + clusters.schemaRegistry().url(), clusters.schemaRegistry().describe(),
                "Elasticsearch at " + clusters.elasticsearch().url(), clusters.elasticsearch().describe());
        for (Map.Entry<String, List<AccessCheck.Finding>> cluster : AccessCheck.byCluster(report.findings()).entrySet()) {
            String name = cluster.getKey();
            out.println(Character.toUpperCase(name.charAt(0)) + name.substring(1)
                    + descriptions.getOrDefault(name, "").replaceFirst("^[^ ]+", ""));
            for (AccessCheck.Finding finding : cluster.getValue()) {
                out.printf("  %-8s %s%s%n", finding.status() == AccessCheck.Status.OK ? "ok"
                                : finding.status() == AccessCheck.Status.MISSING ? "MISSING" : "FAILED",
                        finding.capability(), finding.detail().isEmpty() ? "" : ": " + finding.detail());
            }
        }
        List<AccessCheck.Finding> refused = report.refused();
        if (refused.isEmpty()) {
            out.println("Everything a migration needs is allowed.");
            return Memshift.EXIT_OK;
        }
        out.printf("%d refused: a migration with these settings would stop before writing anything."
                + " README, \"Security\", lists the permissions memshift needs.%n", refused.size());
        return Memshift.EXIT_FAILED;
    }
}
