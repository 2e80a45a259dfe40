package io.memshift.importer;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.List;

/**
 * A document's vector as it goes to Elasticsearch: in a SMILE bulk ({@link BulkEncoding#SMILE}) an array of binary
 * floats; in a JSON bulk an array of decimal numbers, each of which reads back as exactly the model's float. The
 * rest of this note is about the decimals.
 *
 * <p>Why not Jackson's own float writer: it builds a {@code String} per number and copies it twice on the way to
 * the output, and a 1536-d vector is 1,536 numbers. That was most of the importer's bulk thread (JFR, 1536-d
 * vectors). Here each number is written straight into one buffer per vector, which Jackson copies once.
 *
 * <p>Why the numbers are exact: each is first the float rounded to 9 significant digits, and 9 digits always identify
 * a float: the decimal is within 1.5e-8 of the float (relative: half a unit of the 9th digit, plus at most one
 * unit from computing in doubles), while halfway to the next float is at least 2.9e-8 away, so Elasticsearch,
 * parsing the decimal to the nearest float, gets the model's float back. Then digits are dropped while the
 * shorter decimal stays well inside that halfway mark ({@code 0.001}, not {@code 0.00100000005}): short floats
 * stay short, and a model's floats take 8 or 9 digits, as in Jackson's writer. {@code VectorJsonTest} checks
 * both on a million random floats.
 */
@JsonSerialize(using = VectorJson.Writer.class)
public record VectorJson(List<Float> values) {

    /** Characters of the longest number written: {@code -1.23456789E-45}. */
    private static final int MAX_CHARS = 15;
    /** 10^k for k in [-POW_OFFSET, POW_OFFSET], each the double nearest to it. */
    private static final int POW_OFFSET = 64;
    private static final double[] POWERS_OF_TEN = new double[2 * POW_OFFSET + 1];

    static {
        for (int k = -POW_OFFSET; k <= POW_OFFSET; k++) {
            POWERS_OF_TEN[k + POW_OFFSET] = new BigDecimal(java.math.BigInteger.ONE, -k).doubleValue();
        }
    }

    /** A vector as Elasticsearch should get it, or null for none (a delete carries no vector). */
    public static VectorJson of(List<Float> values) {
        return values == null ? null : new VectorJson(values);
    }

    /** The vector as JSON text, as it goes into a document. */
    public String toJson() {
        byte[] out = new byte[capacity()];
        return new String(out, 0, write(out), java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** Room for the text ({@code [}, each number and its comma, {@code ]}) and the last number's scratch digits. */
    private int capacity() {
        return 2 + values.size() * (MAX_CHARS + 1) + MAX_CHARS + 1 + 9;
    }

    /** Writes {@code [n,n,...]} into {@code out}; returns the characters written. */
    private int write(byte[] out) {
        int at = 0;
        out[at++] = '[';
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                out[at++] = ',';
            }
            at = append(out, at, values.get(i));
        }
        out[at++] = ']';
        return at;
    }

    /** The value, if finite. */
    private static float finite(float value) {
        if (!Float.isFinite(value)) {
            // JSON has no NaN or infinity, and Elasticsearch refuses them in a vector: say which, do not write junk.
            throw new IllegalArgumentException("a vector holds " + value + ", which Elasticsearch does not take");
        }
        return value;
    }

    /** Writes one finite float; returns the position after it. */
    static int append(byte[] out, int at, float value) {
        finite(value);
        if (value == 0) {
            if (Float.floatToRawIntBits(value) != 0) {
                out[at++] = '-';
            }
            out[at++] = '0';
            out[at++] = '.';
            out[at++] = '0';
            return at;
        }
        if (value < 0) {
            out[at++] = '-';
        }
        double magnitude = Math.abs((double) value);
        // First guess of the decimal exponent from the binary one; the digit count below corrects it.
        // floor(e2 * log10(2)) in integers (78913 / 2^18): Math.floor is a slow call without C2.
        int exponent = (Math.getExponent(magnitude) * 78913) >> 18;
        long digits = nineDigits(magnitude, exponent);
        if (digits >= 1_000_000_000L) {
            exponent++;
            digits = nineDigits(magnitude, exponent);
        } else if (digits < 100_000_000L) {
            exponent--;
            digits = nineDigits(magnitude, exponent);
        }
        digits = shortest(value, magnitude, exponent, digits);
        if (digits >= 1_000_000_000L) { // 9.999999995 (or a shorter 9.99...) rounded up to the next power of ten
            exponent++;
            digits = 100_000_000L;
        }
        // The 9 digits go to scratch space past the longest text this number can take (see capacity()).
        int d = at + MAX_CHARS + 1;
        for (int i = 8; i >= 0; i--) {
            out[d + i] = (byte) ('0' + digits % 10);
            digits /= 10;
        }
        int significant = 9;
        while (significant > 1 && out[d + significant - 1] == '0') {
            significant--;
        }
        if (exponent >= -3 && exponent <= 6) {
            if (exponent >= 0) {
                for (int i = 0; i <= exponent; i++) {
                    out[at++] = i < significant ? out[d + i] : (byte) '0';
                }
                out[at++] = '.';
                if (significant <= exponent + 1) {
                    out[at++] = '0';
                } else {
                    for (int i = exponent + 1; i < significant; i++) {
                        out[at++] = out[d + i];
                    }
                }
            } else {
                out[at++] = '0';
                out[at++] = '.';
                for (int i = -1; i > exponent; i--) {
                    out[at++] = '0';
                }
                for (int i = 0; i < significant; i++) {
                    out[at++] = out[d + i];
                }
            }
            return at;
        }
        out[at++] = out[d];
        out[at++] = '.';
        if (significant == 1) {
            out[at++] = '0';
        } else {
            for (int i = 1; i < significant; i++) {
                out[at++] = out[d + i];
            }
        }
        out[at++] = 'E';
        if (exponent < 0) {
            out[at++] = '-';
            exponent = -exponent;
        }
        if (exponent >= 10) {
            out[at++] = (byte) ('0' + exponent / 10);
        }
        out[at++] = (byte) ('0' + exponent % 10);
        return at;
    }

    /**
     * The 9 digits rounded to as few as still read back as the float: a digit is dropped while the shorter decimal
     * stays inside the float's rounding interval, with 0.02 % of the interval to spare (the doubles' error is a millionth of that). Once a
     * length fails, shorter ones fail too (a shorter decimal is also a longer one with zeros).
     */
    private static long shortest(float value, double magnitude, int exponent, long nine) {
        double above = Math.ulp(value);
        // Just above a power of two the floats below are twice as dense.
        boolean powerOfTwo = (Float.floatToRawIntBits(value) & 0x7fffff) == 0
                && Math.getExponent(value) > Float.MIN_EXPONENT;
        double below = powerOfTwo ? above / 2 : above;
        long digits = nine;
        long scale = 10;
        for (int dropped = 1; dropped < 9; dropped++, scale *= 10) {
            // Each length rounded from the float itself: rounding the 9 digits again would round twice.
            long kept = Math.round(magnitude * POWERS_OF_TEN[8 - exponent - dropped + POW_OFFSET]);
            double decimal = kept * POWERS_OF_TEN[exponent - 8 + dropped + POW_OFFSET];
            double gap = decimal >= magnitude ? decimal - magnitude : magnitude - decimal;
            if (gap >= 0.4999 * (decimal >= magnitude ? above : below)) {
                break;
            }
            digits = kept * scale; // 1e9 when it carries to the next power of ten: the caller moves the exponent
            if (digits >= 1_000_000_000L) {
                break;
            }
        }
        return digits;
    }

    /** The magnitude scaled to 9 digits before the point (given its decimal exponent), rounded. */
    private static long nineDigits(double magnitude, int exponent) {
        return Math.round(magnitude * POWERS_OF_TEN[8 - exponent + POW_OFFSET]);
    }

    /**
     * ASCII bytes handed to Jackson as they are: its UTF-8 generator copies them into its buffer once, where text
     * would be encoded again char by char.
     */
    private record AsciiText(byte[] bytes, int length) implements com.fasterxml.jackson.core.SerializableString {
        @Override
        public String getValue() {
            return new String(bytes, 0, length, java.nio.charset.StandardCharsets.US_ASCII);
        }

        @Override
        public int charLength() {
            return length;
        }

        @Override
        public char[] asQuotedChars() {
            return getValue().toCharArray(); // digits, signs, points, commas: nothing to quote
        }

        @Override
        public byte[] asUnquotedUTF8() {
            return length == bytes.length ? bytes : java.util.Arrays.copyOf(bytes, length);
        }

        @Override
        public byte[] asQuotedUTF8() {
            return asUnquotedUTF8();
        }

        @Override
        public int appendQuotedUTF8(byte[] buffer, int offset) {
            return appendUnquotedUTF8(buffer, offset);
        }

        @Override
        public int appendQuoted(char[] buffer, int offset) {
            return appendUnquoted(buffer, offset);
        }

        @Override
        public int appendUnquotedUTF8(byte[] buffer, int offset) {
            if (offset + length > buffer.length) {
                return -1;
            }
            System.arraycopy(bytes, 0, buffer, offset, length);
            return length;
        }

        @Override
        public int appendUnquoted(char[] buffer, int offset) {
            if (offset + length > buffer.length) {
                return -1;
            }
            for (int i = 0; i < length; i++) {
                buffer[offset + i] = (char) bytes[i];
            }
            return length;
        }

        @Override
        public int writeQuotedUTF8(java.io.OutputStream out) throws IOException {
            return writeUnquotedUTF8(out);
        }

        @Override
        public int writeUnquotedUTF8(java.io.OutputStream out) throws IOException {
            out.write(bytes, 0, length);
            return length;
        }

        @Override
        public int putQuotedUTF8(java.nio.ByteBuffer buffer) {
            return putUnquotedUTF8(buffer);
        }

        @Override
        public int putUnquotedUTF8(java.nio.ByteBuffer buffer) {
            if (buffer.remaining() < length) {
                return -1;
            }
            buffer.put(bytes, 0, length);
            return length;
        }
    }

    /** Writes the vector as one raw JSON value: one buffer per vector instead of one String per number. */
    static final class Writer extends StdSerializer<VectorJson> {
        Writer() {
            super(VectorJson.class);
        }

        @Override
        public void serialize(VectorJson vector, JsonGenerator json, SerializerProvider provider) throws IOException {
            if (BulkEncoding.isBinary(json)) {
                // SMILE: each float as it is, 4 bytes in 5 of 7 bits; nothing to print, nothing to parse.
                List<Float> values = vector.values();
                json.writeStartArray(values, values.size());
                for (Float value : values) {
                    json.writeNumber(finite(value));
                }
                json.writeEndArray();
                return;
            }
            byte[] out = new byte[vector.capacity()];
            json.writeRawValue(new AsciiText(out, vector.write(out)));
        }
    }
}
