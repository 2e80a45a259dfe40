package io.memshift.cli;

import io.memshift.clients.StageInstance;
import io.memshift.control.InvalidRequestException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --instance-id}: this process among several instances of the same stages (see {@link StageInstance}). */
final class InstanceOptions {

    @Option(names = "--instance-id", description = "This instance's id among the instances of the same stage"
            + " (letters, digits, '.', '_', '-'); default: <host>-<n>, n the first slot free in the data folder.")
    String instanceId;

    /** Claims this process's instance in {@code dataDir}; close it when the command ends. */
    StageInstance claim(Path dataDir) {
        try {
            return StageInstance.claim(dataDir, instanceId);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
    }
}
