package io.memshift.reembedder;

import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.RetriableException;
import dev.langchain4j.exception.UnresolvedModelServerException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Optional;

/**
 * Sorts a model call's failure into what the re-embedder does about it:
 * <ul>
 *   <li>{@link Kind#RATE_LIMITED} (429): wait as long as the provider asked (Retry-After), and send fewer
 *       requests at once;</li>
 *   <li>{@link Kind#UNAVAILABLE} (5xx, 408, timeouts, unreachable): try again after a growing pause;</li>
 *   <li>{@link Kind#INPUT_REJECTED} (400, 413, 422, or an in-process model failing on a text): some input of the
 *       request is poison; find it by halving the request, and set it aside in the dead-letter topic;</li>
 *   <li>{@link Kind#FATAL} (401, 403, 404, any other 4xx): the setup is wrong (key, model name); waiting or
 *       dead-lettering would only hide it, so the stage stops with the reason.</li>
 * </ul>
 */
final class ModelFailures {

    enum Kind { RATE_LIMITED, UNAVAILABLE, INPUT_REJECTED, FATAL }

    private ModelFailures() {
    }

    static Kind classify(Throwable e) {
        Optional<Integer> status = status(e);
        if (status.isPresent()) {
            int code = status.get();
            if (code == 429) {
                return Kind.RATE_LIMITED;
            }
            if (code >= 500 || code == 408) {
                return Kind.UNAVAILABLE;
            }
            if (code == 400 || code == 413 || code == 422) {
                return Kind.INPUT_REJECTED;
            }
            return Kind.FATAL;
        }
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            // A host that does not resolve is an outage too (DNS, no network): LangChain4j reports it as its
            // UnresolvedModelServerException over Java's UnresolvedAddressException, with no IOException in the
            // chain, and as an input refusal a whole batch went to the dead-letter topic ("rejected every text").
            if (t instanceof RetriableException || t instanceof IOException || t instanceof UncheckedIOException
                    || t instanceof java.util.concurrent.TimeoutException || t instanceof UnresolvedModelServerException
                    || t instanceof java.nio.channels.UnresolvedAddressException) {
                return Kind.UNAVAILABLE;
            }
        }
        // No HTTP status and no I/O: an in-process model that failed on its input.
        return Kind.INPUT_REJECTED;
    }

    static Optional<Integer> status(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HttpException http) {
                return Optional.of(http.statusCode());
            }
        }
        return Optional.empty();
    }

    /** The wait a 429 asked for, if the provider said one. */
    static Optional<Duration> retryAfter(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ProviderHttpClient.ProviderHttpException provider) {
                return provider.retryAfter();
            }
        }
        return Optional.empty();
    }

    /** The failure in a few words, for the log: its type and status, never a request (which could hold a key). */
    static String describe(Throwable e) {
        return e.getClass().getSimpleName() + status(e).map(s -> " " + s).orElse("");
    }

    /**
     * {@link #describe}, and the type of its root cause when that says more ("UnresolvedModelServerException,
     * caused by UnresolvedAddressException": the host does not resolve). Types only: never a message.
     */
    static String describeWithCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return describe(e) + (root == e ? "" : ", caused by " + root.getClass().getSimpleName());
    }

    /**
     * Why the provider refused an input, for the dead-letter headers: its status and the start of its error body
     * (providers answer with a message about the input, never with the key).
     */
    static String reason(Throwable e) {
        String message = null;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HttpException) {
                message = t.getMessage();
                break;
            }
        }
        if (message == null) {
            message = e.getMessage() != null ? e.getMessage() : e.getClass().getName();
        }
        String text = describe(e) + ": " + message;
        return text.length() <= 500 ? text : text.substring(0, 500) + "...";
    }
}
