package io.memshift.control;

/**
 * What was asked cannot be done as asked (an index that does not exist, two options that exclude each other);
 * the message says what to change. An {@link IllegalArgumentException}, which the CLI answers with exit code 2.
 */
public class InvalidRequestException extends IllegalArgumentException {
    public InvalidRequestException(String message) {
        super(message);
    }
}
