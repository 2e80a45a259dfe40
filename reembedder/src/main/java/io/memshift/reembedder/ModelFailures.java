package io.memshift.reembedder;

import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.RetriableException;
import java.io.IOException;

/** Tells a model that is unavailable for now (worth waiting for) from one that refuses the input for good. */
final class ModelFailures {

    private ModelFailures() {
    }

    /** Rate limits, 5xx, timeouts and unreachable endpoints pass; a 400 or a bad key does not. */
    static boolean isTransient(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RetriableException || t instanceof IOException) {
                return true;
            }
            if (t instanceof HttpException http && (http.statusCode() == 429 || http.statusCode() >= 500)) {
                return true;
            }
        }
        return false;
    }

    /** The failure in a few words, for the log: its type and status, never a request (which could hold a key). */
    static String describe(Throwable e) {
        if (e instanceof HttpException http) {
            return e.getClass().getSimpleName() + " " + http.statusCode();
        }
        return e.getClass().getSimpleName();
    }
}
