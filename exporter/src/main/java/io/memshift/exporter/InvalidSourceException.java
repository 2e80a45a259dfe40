package io.memshift.exporter;

import java.util.List;

/** The source holds records we refuse to publish; each problem names file:line, memory id and field. */
public class InvalidSourceException extends RuntimeException {

    private final List<String> problems;

    public InvalidSourceException(String source, List<String> problems, long moreProblems) {
        super(message(source, problems, moreProblems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }

    private static String message(String source, List<String> problems, long more) {
        StringBuilder text = new StringBuilder("invalid source ").append(source).append(": nothing was published\n");
        problems.forEach(p -> text.append("  ").append(p).append('\n'));
        if (more > 0) {
            text.append("  ... and ").append(more).append(" more problems\n");
        }
        return text.toString().stripTrailing();
    }
}
