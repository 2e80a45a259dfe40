package io.memshift.control;

/**
 * A cluster refused what a run needs (credentials, a permission, an untrusted certificate), found before anything
 * was written; the message is one line naming the cluster and what it refused.
 */
public class ClusterAccessException extends RuntimeException {
    public ClusterAccessException(String message) {
        super(message);
    }
}
