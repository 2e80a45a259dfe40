package io.memshift.schemas;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;

/**
 * The JSON mapper of memshift, for memories' JSON in every stage: a source's memory objects, the metadata carried
 * in events, documents read back from an index, the content digest. Numbers are exact decimals: {@code 1.50}
 * stays {@code 1.50} (not the double 1.5), and is written back as written, never in exponent form, so metadata
 * arrives with the values it was written with and a digest computed on either side of the pipeline agrees.
 *
 * <p>Configured once, here; do not reconfigure it (an {@code ObjectMapper} is shared state). A use that needs
 * other output (pretty printing, say) takes a writer from it.
 */
public final class Json {

    public static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false)
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);

    private Json() {
    }
}
