package io.memshift.exporter;

/**
 * The source could not be reached or read: the network, a server error that outlasted the retries, a refusal of
 * memshift's credentials, an answer that is not what the source's API promises. Unlike
 * {@link InvalidSourceException} it says nothing about the records; trying again later (or with another key) may
 * succeed. What an export published before it stays published, and the next run resumes or skips it.
 */
public class SourceUnavailableException extends RuntimeException {

    private final String source;

    /**
     * @param source  the source or cluster, as the user named it (a URL, an index URL)
     * @param problem what failed, naming the call; never a key
     */
    public SourceUnavailableException(String source, String problem) {
        this(source, problem, null);
    }

    public SourceUnavailableException(String source, String problem, Throwable cause) {
        super("cannot read source " + source + ": " + problem, cause);
        this.source = source;
    }

    /** The source or cluster that could not be read. */
    public String source() {
        return source;
    }
}
