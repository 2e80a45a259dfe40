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
}
