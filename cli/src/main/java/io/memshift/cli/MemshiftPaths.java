package io.memshift.cli;

import java.nio.file.Path;

/** Where memshift keeps its own files: {@code <checkout>/.memshift} unless {@code --data-dir} says otherwise. */
final class MemshiftPaths {

    private MemshiftPaths() {
    }

    static Path home() {
        String home = System.getProperty("memshift.home");
        return Path.of(home == null || home.isBlank() ? "." : home).toAbsolutePath().normalize();
    }

    static Path dataDir(Path option) {
        return option != null ? option.toAbsolutePath().normalize() : home().resolve(".memshift");
    }

    static Path stackDir(Path dataDir) {
        return dataDir.resolve("stack");
    }
}
