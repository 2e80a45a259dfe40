package io.memshift.reembedder;

import java.nio.charset.StandardCharsets;

/**
 * Counts the tokens a model reads for one model input: a memory's text after {@link ModelProfile#inputOf}, so
 * that e5's {@code "passage: "} counts too. For the in-process models and OpenAI's, the count is the model's own
 * tokenizer's ({@link #exact()}); for the others, memshift has no tokenizer and {@link #ESTIMATE} stands in.
 * {@link EmbeddingModels#tokenCounter(String)} gives the one for a model.
 */
public interface TokenCounter {

    /** The tokens the model reads for {@code modelInput}. */
    long count(String modelInput);

    /** True if {@link #count} is the model's own tokenizer's; false if it is {@link #ESTIMATE}. */
    boolean exact();

    /** How the count is made, in words a reader of a plan can check. */
    String method();

    /**
     * One token per 4 bytes of UTF-8, rounded up: about 4 characters of English text (OpenAI's rule of thumb for
     * its tokenizers), and, since a CJK character takes 3 bytes, about 1.3 characters of Chinese or Japanese, whose
     * characters are mostly a token each. A tokenizer of another family may differ by a quarter either way.
     */
    TokenCounter ESTIMATE = new TokenCounter() {
        @Override
        public long count(String modelInput) {
            return (modelInput.getBytes(StandardCharsets.UTF_8).length + 3) / 4;
        }

        @Override
        public boolean exact() {
            return false;
        }

        @Override
        public String method() {
            return "estimate: one token per 4 bytes of UTF-8 (about 4 characters of English), rounded up per memory";
        }
    };
}
