package io.memshift.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Where the build put the jars each child process runs from. Everything here is produced by {@code mvn package}
 * from Maven Central; nothing is downloaded by hand.
 */
public record StackLayout(Path home) {

    /** The repository root, from the {@code memshift.home} system property (set by ./memshift and by Maven). */
    public static StackLayout fromSystemProperty() {
        String home = System.getProperty("memshift.home");
        if (home == null || home.isBlank()) {
            throw new StackException("system property memshift.home is not set: it must name the memshift checkout"
                    + " (the ./memshift launcher and the Maven build set it)");
        }
        return new StackLayout(Path.of(home).toAbsolutePath().normalize());
    }

    public Path kafkaLib() {
        return built(home.resolve("embedded/kafka-broker/target/lib"));
    }

    public Path elasticsearchLib() {
        return built(home.resolve("embedded/es-node/target/lib"));
    }

    public Path elasticsearchLauncherJar() {
        return single(home.resolve("embedded/es-node/target"), "memshift-embedded-es-node-", ".jar");
    }

    public Path elasticsearchNettyModule() {
        return built(home.resolve("embedded/es-node/target/modules/transport-netty4"));
    }

    public Path schemaRegistryJar() {
        return single(home.resolve("embedded/registry/target"), "memshift-embedded-registry-", "-runner.jar");
    }

    /** The java launcher of this JVM, so child processes run on the same Java. */
    static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private static Path built(Path path) {
        if (!Files.isDirectory(path)) {
            throw notBuilt(path);
        }
        return path;
    }

    private static Path single(Path dir, String prefix, String suffix) {
        if (!Files.isDirectory(dir)) {
            throw notBuilt(dir.resolve(prefix + "*" + suffix));
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> {
                String name = p.getFileName().toString();
                return name.startsWith(prefix) && name.endsWith(suffix)
                        && !name.endsWith("-sources.jar") && !name.endsWith("-tests.jar");
            }).findFirst().orElseThrow(() -> notBuilt(dir.resolve(prefix + "*" + suffix)));
        } catch (IOException e) {
            throw new StackException("cannot list " + dir, e);
        }
    }

    private static StackException notBuilt(Path missing) {
        return new StackException("the embedded stack is not built (missing " + missing + ");"
                + " run `mvn -q -DskipTests package` in the memshift checkout first");
    }
}
