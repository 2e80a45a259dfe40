package io.memshift.control;

/** The migration (or a stage run on its own) could not complete; the message says what is missing and why. */
public class MigrationFailedException extends RuntimeException {
    public MigrationFailedException(String message) {
        super(message);
    }

    public MigrationFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
