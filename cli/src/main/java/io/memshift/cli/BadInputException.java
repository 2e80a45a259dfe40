package io.memshift.cli;

/** The user asked for something that cannot be done as asked; the message says what to change. */
public class BadInputException extends RuntimeException {
    public BadInputException(String message) {
        super(message);
    }
}
