package io.memshift.control;

import io.memshift.schemas.Pipeline;
import io.memshift.schemas.Topics;
import java.util.Locale;

/** How memshift names the indices it creates, so that `migrate` and `import` agree without being told. */
public final class IndexNames {

    private IndexNames() {
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
