package io.memshift.exporter;

import java.util.List;

/**
 * The source holds records we refuse to publish, or is not a source of its kind at all (a file that is not JSON,
 * truncated, of another layout, missing); each problem names file:line, memory id and field. A source that cannot
 * be reached or read is a {@link SourceUnavailableException} instead.
 */
public class InvalidSourceException extends RuntimeException {

    private final String source;
    private final List<String> problems;
    private final long moreProblems;

    public InvalidSourceException(String source, List<String> problems, long moreProblems) {
        this(source, problems, moreProblems, false);
    }

    private InvalidSourceException(String source, List<String> problems, long moreProblems, boolean nothingPublished) {
        super(message(source, problems, moreProblems, nothingPublished));
        this.source = source;
        this.problems = List.copyOf(problems);
        this.moreProblems = moreProblems;
    }

    /**
     * The same refusal, said by the one who knows that it came before anything of the source was published (the
     * exporter's validation pass).
     */
    public InvalidSourceException beforeAnythingWasPublished() {
        InvalidSourceException said = new InvalidSourceException(source, problems, moreProblems, true);
        said.initCause(this);
        return said;
    }

    public List<String> problems() {
        return problems;
    }

    private static String message(String source, List<String> problems, long more, boolean nothingPublished) {
        StringBuilder text = new StringBuilder("invalid source ").append(source)
                .append(nothingPublished ? ": nothing was published\n" : ":\n");
        problems.forEach(p -> text.append("  ").append(p).append('\n'));
        if (more > 0) {
            text.append("  ... and ").append(more).append(" more problems\n");
        }
        return text.toString().stripTrailing();
    }
}
