package io.memshift.schemas;

/** A stage stopped by itself; the message names the stage and what stopped it, down to the root cause. */
public class StageFailedException extends RuntimeException {

    private final String stage;

    public StageFailedException(String stage, Throwable cause) {
        super("the " + stage + " stopped: " + describe(cause), cause);
        this.stage = stage;
    }

    public String stage() {
        return stage;
    }

    /**
     * The cause's message, followed by its root cause's when that is another exception (a timeout under a retry,
     * say) whose message the cause does not already repeat.
     */
    static String describe(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = String.valueOf(cause.getMessage());
        if (root == cause || root.getMessage() == null || message.contains(root.getMessage())) {
            return message;
        }
        return message + ": " + root.getMessage();
    }
}
