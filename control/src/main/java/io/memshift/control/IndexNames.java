package io.memshift.control;

import io.memshift.schemas.Topics;

/** How memshift names the indices it creates, so that `migrate` and `import` agree without being told. */
public final class IndexNames {

    private IndexNames() {
    }

    /** The first index of a model: {@code memories-<model slug>-1}. */
    public static String defaultIndex(String modelId) {
        return "memories-" + Topics.modelSlug(modelId) + "-1";
    }

    /**
     * The first index of a model for the pipeline whose input is {@code inputTopic}: for {@code memories} as
     * {@link #defaultIndex(String)}, for any other {@code <topic>-<model slug>-1} (in lower case, as
     * Elasticsearch wants), so that two pipelines with one model never fill one index.
     */
    public static String defaultIndex(String inputTopic, String modelId) {
        if (inputTopic.equals(Topics.MEMORIES)) {
            return defaultIndex(modelId);
        }
        return inputTopic.toLowerCase(java.util.Locale.ROOT) + "-" + Topics.modelSlug(modelId) + "-1";
    }
}
