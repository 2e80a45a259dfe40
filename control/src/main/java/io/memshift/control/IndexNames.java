package io.memshift.control;

import io.memshift.schemas.Pipeline;
import io.memshift.schemas.Topics;
import java.util.Locale;

/** How memshift names the indices it creates, so that `migrate` and `import` agree without being told. */
public final class IndexNames {

    private IndexNames() {
    }

    /** What Elasticsearch refuses in an index or alias name (beside upper case and a few leading characters). */
    private static final String FORBIDDEN = "\\/*?\"<>| ,#:";

    /**
     * Refuses, before anything runs, a name Elasticsearch would refuse for an index or an alias (it answers only
     * "400" to a create), saying which rule it breaks: lower case only; none of {@code \ / * ? " < > | , # :} nor a
     * space; not starting with {@code -}, {@code _} or {@code +}; not {@code .} or {@code ..}; at most 255 bytes.
     *
     * @param option the option that gave it ({@code --index}, {@code --alias}), named in the message
     */
    public static void requireValid(String name, String option) {
        String problem = null;
        if (name.isEmpty()) {
            problem = "it is empty";
        } else if (!name.equals(name.toLowerCase(Locale.ROOT))) {
            problem = "Elasticsearch index and alias names are lower case";
        } else if (name.equals(".") || name.equals("..")) {
            problem = "it cannot be . or ..";
        } else if ("-_+".indexOf(name.charAt(0)) >= 0) {
            problem = "it cannot start with " + name.charAt(0);
        } else if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255) {
            problem = "it is longer than 255 bytes";
        } else {
            for (char c : name.toCharArray()) {
                if (FORBIDDEN.indexOf(c) >= 0) {
                    problem = "it cannot hold '" + c + "' (nor any of \\ / * ? \" < > | , # : or a space)";
                    break;
                }
            }
        }
        if (problem != null) {
            throw new InvalidRequestException(option + " " + name + ": " + problem);
        }
    }

    /** The first index of a model in the pipeline {@code memories}: {@code memories-<model slug>-1}. */
    public static String defaultIndex(String modelId) {
        return "memories-" + Topics.modelSlug(modelId) + "-1";
    }

    /** The first index of a model for the pipeline whose log is {@code inputTopic} (see {@link Pipeline#ofLog}). */
    public static String defaultIndex(String inputTopic, String modelId) {
        return defaultIndex(Pipeline.ofLog(inputTopic), modelId);
    }

    /**
     * The first index of a model in a pipeline: {@code memories.<pipeline>.<model slug>-1}, so that two pipelines
     * never fill one index ({@code memories-<model slug>-1} for the pipeline {@code memories}, as before
     * pipelines; {@code <log topic>.<model slug>-1}, in lower case as Elasticsearch wants, for a pipeline named by a
     * topic of its own). A pipeline name holds no dot, so no two pipelines' names can meet in one index name.
     */
    public static String defaultIndex(Pipeline pipeline, String modelId) {
        if (pipeline.log().equals(Topics.MEMORIES)) {
            return defaultIndex(modelId);
        }
        return pipeline.log().toLowerCase(Locale.ROOT) + "." + Topics.modelSlug(modelId) + "-1";
    }
}
