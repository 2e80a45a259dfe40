package io.memshift.embedded;

/** A stack that cannot start or stop, with a message meant for the person running it. */
public class StackException extends RuntimeException {
    public StackException(String message) {
        super(message);
    }

    public StackException(String message, Throwable cause) {
        super(message, cause);
    }
}
