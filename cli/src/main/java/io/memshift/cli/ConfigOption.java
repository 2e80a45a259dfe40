package io.memshift.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --config <file>}, on every command: memshift's config file. Its {@code defaults} section fills in the
 * command's options that were not given (see {@link ConfigDefaults}); its clusters are read by
 * {@link ClusterEndpoints}.
 */
final class ConfigOption {

    static final String NAME = "--config";

    @Option(names = NAME, paramLabel = "<file>", description = "memshift's config file (YAML): clusters, credentials"
            + " (as env:NAME or file:/path), topic settings and option defaults; options given here win.")
    Path file;
}
