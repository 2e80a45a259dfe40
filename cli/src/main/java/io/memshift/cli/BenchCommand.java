package io.memshift.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code memshift bench ...}: benchmarks that measure every contender in one run and print the ratios. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks, each measuring memshift against a baseline in one run.",
        subcommands = {ImportBenchmark.class, EmbedBenchmark.class, EndToEndBenchmark.class, ScaleBenchmark.class,
                InstancesBenchmark.class})
final class BenchCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
