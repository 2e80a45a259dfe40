package io.memshift.cli;

/** The migration could not complete; the message says what is missing and why. */
class MigrationFailedException extends RuntimeException {
    MigrationFailedException(String message) {
        super(message);
    }
}
