package io.memshift.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Metadata numbers cross the pipeline as written: parsing and writing back changes none of them. */
@Tag("fast")
class JsonTest {

    @Test
    void decimalsComeBackExactlyAsWritten() throws Exception {
        String written = "{\"price\":1.50,\"ratio\":0.750,\"big\":12345678901234567890.000001,\"tiny\":0.00000001,"
                + "\"n\":3,\"neg\":-2.0}";
        JsonNode node = Json.MAPPER.readTree(written);
        assertThat(Json.MAPPER.writeValueAsString(node)).isEqualTo(written);
        // what the configuration buys: a default mapper reads doubles and writes 1.5, 0.75, 1.2345678901234567E19 ...
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(written).toString()).isNotEqualTo(written);
    }

    @Test
    void aLargeExponentIsWrittenOutInFull() throws Exception {
        assertThat(Json.MAPPER.writeValueAsString(Json.MAPPER.readTree("[1E+3, 2.5e-3]"))).isEqualTo("[1000,0.0025]");
    }
}
