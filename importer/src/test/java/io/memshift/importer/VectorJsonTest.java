package io.memshift.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Vectors written as Elasticsearch reads them: every float comes back bit for bit. */
@Tag("fast")
class VectorJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads the array the way Elasticsearch's parser hands a float vector to its field: as floats. */
    private static float[] readAsFloats(String json) throws Exception {
        List<Float> values = new ArrayList<>();
        try (JsonParser parser = JSON.getFactory().createParser(json)) {
            assertThat(parser.nextToken()).isEqualTo(JsonToken.START_ARRAY);
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                values.add(parser.getFloatValue());
            }
        }
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    private static void assertExact(List<Float> vector) throws Exception {
        String json = VectorJson.of(vector).toJson();
        float[] back = readAsFloats(json);
        assertThat(back).hasSize(vector.size());
        String[] numbers = json.substring(1, json.length() - 1).split(",");
        for (int i = 0; i < back.length; i++) {
            if (Float.floatToRawIntBits(back[i]) != Float.floatToRawIntBits(vector.get(i))) {
                throw new AssertionError("float " + vector.get(i) + " (bits " + Integer.toHexString(
                        Float.floatToRawIntBits(vector.get(i))) + ") came back as " + back[i] + " from " + json);
            }
            // Java's own parser too (Elasticsearch's may take either path).
            assertThat(Float.floatToRawIntBits(Float.parseFloat(numbers[i])))
                    .isEqualTo(Float.floatToRawIntBits(vector.get(i)));
        }
    }

    @Test
    void aMillionRandomFloatsOfEveryMagnitudeComeBackBitForBit() throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        for (int round = 0; round < 1000; round++) {
            List<Float> vector = new ArrayList<>(1000);
            while (vector.size() < 1000) {
                float value = Float.intBitsToFloat(random.nextInt());
                if (Float.isFinite(value)) {
                    vector.add(value);
                }
            }
            assertExact(vector);
        }
    }

    @Test
    void modelLikeValuesAndTheEdgesComeBackBitForBit() throws Exception {
        SplittableRandom random = new SplittableRandom(11);
        List<Float> vector = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            vector.add((float) (random.nextGaussian() * 0.05)); // a unit vector's coordinates in a few hundred dims
        }
        vector.addAll(List.of(Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE,
                1f, -1f, 10f, 1e-3f, 9.999999e-4f, 1e-4f, 1e7f, 9999999f, 1e-38f, 1e38f, 0.1f, 0.3f, 2f / 3f,
                Math.nextUp(1f), Math.nextDown(1f), 9.9999999e-5f, 123456789f));
        assertExact(vector);
    }

    /** Significant digits of a number as written: no sign, exponent, point, leading or trailing zeros. */
    private static int significantDigits(String number) {
        String mantissa = number.replace("-", "").split("E")[0].replace(".", "");
        return mantissa.replaceAll("^0+", "").replaceAll("0+$", "").length();
    }

    @Test
    void numbersAreAsShortAsJacksonsShortestWriterAlmostAlways() {
        SplittableRandom random = new SplittableRandom(13);
        int longer = 0;
        int total = 200_000;
        for (int i = 0; i < total; i++) {
            float value = i % 2 == 0 ? (float) (random.nextGaussian() * 0.05) : Float.intBitsToFloat(random.nextInt());
            if (!Float.isFinite(value) || value == 0) {
                continue;
            }
            String ours = VectorJson.of(List.of(value)).toJson();
            ours = ours.substring(1, ours.length() - 1);
            int shortest = significantDigits(com.fasterxml.jackson.core.io.schubfach.FloatToDecimal.toString(value));
            int digits = significantDigits(ours);
            assertThat(digits).as("digits of %s against %s", ours, value).isBetween(shortest, shortest + 2);
            if (digits > shortest) {
                longer++;
            }
        }
        // The margin costs digits only at the halfway mark, which Schubfach takes when the float is even.
        assertThat(longer).isLessThan(total / 200); // 242 of 200,000 when written
    }

    @Test
    void shortValuesStayShortAndTheSignOfZeroIsKept() throws Exception {
        assertThat(VectorJson.of(List.of(0.5f, -0.5f, 0.25f, 0f, -0f, 3f, 1234567f, 0.001f, 1e-4f, 1.5e-7f, 2e10f,
                Float.MIN_VALUE)).toJson())
                .isEqualTo("[0.5,-0.5,0.25,0.0,-0.0,3.0,1234567.0,0.001,1.0E-4,1.5E-7,2.0E10,1.0E-45]");
    }

    @Test
    void inADocumentTheVectorIsAPlainJsonArray() throws Exception {
        String doc = JSON.writeValueAsString(Map.of("vector", VectorJson.of(List.of(0.125f, -2.5f))));
        assertThat(doc).isEqualTo("{\"vector\":[0.125,-2.5]}");
        assertThat(JSON.readTree(doc).get("vector").get(1).floatValue()).isEqualTo(-2.5f);
    }

    @Test
    void aLongVectorIsTheSameTextThroughBytesAndThroughCharacters() throws Exception {
        SplittableRandom random = new SplittableRandom(3);
        List<Float> values = new ArrayList<>();
        for (int i = 0; i < 3072; i++) { // more than Jackson's 8,000-byte buffer, as a 1536-d vector is
            values.add((float) random.nextGaussian());
        }
        Map<String, Object> doc = Map.of("vector", VectorJson.of(values));
        String expected = "{\"vector\":" + VectorJson.of(values).toJson() + "}";
        assertThat(new String(JSON.writeValueAsBytes(doc), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(expected);
        assertThat(JSON.writeValueAsString(doc)).isEqualTo(expected);
    }

    @Test
    void aVectorJsonCannotCarryIsRefusedWithTheValue() {
        assertThatThrownBy(() -> VectorJson.of(List.of(1f, Float.NaN)).toJson())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
    }
}
