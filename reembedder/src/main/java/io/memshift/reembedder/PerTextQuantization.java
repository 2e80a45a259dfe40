package io.memshift.reembedder;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Rewrites a dynamically quantized ONNX model (LangChain4j's {@code -q} models) so that each text of a padded
 * batch is quantized with its own scale and zero point, as it would be alone: the batch's vectors are then the
 * ones the model gives each text on its own.
 *
 * <p>Why a rewrite: the model's {@code DynamicQuantizeLinear} takes one scale over its whole input tensor, so in a
 * batch every text's activations, and the padding's, set every other text's scale. Each such node becomes the same
 * arithmetic per text (ONNX opset 11 only, the models' own): padded positions multiplied by 0 (which is always
 * inside the range the quantization keeps, so it changes no text's min or max; padding never reaches a text's own
 * positions, attention masks it out), min and max over each text, scale = (max - min) / 255 (1 if both are 0),
 * zero point = round(-min / scale), q = saturate(round(x / scale) + zero point). {@code x / scale} is a division, as ONNX
 * Runtime's own kernel does it: a multiplication by 1/scale flips a few roundings, and a single flipped rounding
 * changes the vector measurably (cosine 0.9934 on one text), because every later layer quantizes again. Each
 * {@code MatMulInteger} that read the per-tensor zero point gets none (ONNX Runtime takes only a scalar one) and
 * subtracts zero point × the weight's column sums instead, in int32: exactly the same integers.
 *
 * <p>Measured (BENCHMARKS.md): the vectors are the stock ones (cosine 1.000000), but on 2 cores the batches run at
 * 0.88 to 1.06 × one text per run, because ONNX Runtime no longer fuses quantization, integer product and scaling
 * into one kernel, and the per-text steps cost what batching saves. So the pipeline keeps one text per run for a
 * {@code -q} model, and {@code bench embed} measures this rewrite beside it.
 */
final class PerTextQuantization {

    private static final String PREFIX = "memshift_per_text/";
    // ONNX TensorProto data types and AttributeProto types used here.
    private static final int FLOAT = 1;
    private static final int UINT8 = 2;
    private static final int INT32 = 6;
    private static final int BOOL = 9;
    private static final int ATTRIBUTE_INT = 2;
    private static final int ATTRIBUTE_TENSOR = 4;
    private static final int ATTRIBUTE_INTS = 7;

    private PerTextQuantization() {
    }

    /**
     * The model with per-text quantization.
     *
     * @throws IllegalArgumentException if the model is not opset 11 or 12, has no {@code DynamicQuantizeLinear}
     *                                  feeding {@code MatMulInteger}, has a node other than {@code MatMulInteger}
     *                                  reading a quantization's zero point, or has no {@code attention_mask} input
     */
    static byte[] rewrite(byte[] model) {
        List<Field> modelFields = Field.parse(model, 0, model.length);
        requireOpset11Or12(model, modelFields);
        Field graphField = modelFields.stream().filter(f -> f.number == 7).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("not an ONNX model: no graph"));
        byte[] graph = rewriteGraph(model, graphField);
        Writer out = new Writer();
        for (Field field : modelFields) {
            if (field == graphField) {
                out.bytes(7, graph);
            } else {
                out.raw(model, field.tagStart, field.end);
            }
        }
        return out.toByteArray();
    }

    /**
     * The rewrite's operators are written as opset 11 and 12 define them (Unsqueeze's and ReduceSum's axes as
     * attributes, Clip's bounds as inputs); the models' own opset must be one of those.
     */
    private static void requireOpset11Or12(byte[] model, List<Field> modelFields) {
        for (Field opset : modelFields) {
            if (opset.number != 8) {
                continue;
            }
            String domain = "";
            long version = -1;
            for (Field f : Field.parse(model, opset.start, opset.end)) {
                if (f.number == 1) {
                    domain = f.string(model);
                } else if (f.number == 2) {
                    version = f.varint(model);
                }
            }
            if ((domain.isEmpty() || domain.equals("ai.onnx")) && (version < 11 || version > 12)) {
                throw new IllegalArgumentException("the model uses ONNX opset " + version
                        + "; per-text quantization is written for opset 11 and 12");
            }
        }
    }

    private static byte[] rewriteGraph(byte[] model, Field graph) {
        List<Field> fields = Field.parse(model, graph.start, graph.end);
        boolean masked = fields.stream().filter(f -> f.number == 11)
                .anyMatch(input -> Field.parse(model, input.start, input.end).stream()
                        .anyMatch(f -> f.number == 1 && "attention_mask".equals(f.string(model))));
        if (!masked) {
            throw new IllegalArgumentException("the model has no attention_mask input");
        }
        List<Node> nodes = new ArrayList<>();
        for (Field field : fields) {
            if (field.number == 1) {
                nodes.add(Node.parse(model, field));
            }
        }
        // DynamicQuantizeLinear's zero-point output → the per-text zero point (int32, one per text).
        Map<String, String> zeroPoints = new HashMap<>();
        Writer rewritten = new Writer();
        rewritten.bytes(1, node("Cast", List.of("attention_mask"), List.of(PREFIX + "mask_bool"), intAttr("to", BOOL)));
        rewritten.bytes(1, node("Unsqueeze", List.of(PREFIX + "mask_bool"), List.of(PREFIX + "mask_3d"),
                intsAttr("axes", 2)));
        rewritten.bytes(1, node("Cast", List.of(PREFIX + "mask_3d"), List.of(PREFIX + "mask"), intAttr("to", FLOAT)));
        rewritten.bytes(1, constant(PREFIX + "zero", FLOAT, floatBytes(0f)));
        rewritten.bytes(1, constant(PREFIX + "one", FLOAT, floatBytes(1f)));
        rewritten.bytes(1, constant(PREFIX + "q_max", FLOAT, floatBytes(255f)));
        rewritten.bytes(1, constant(PREFIX + "zero_u8", UINT8, new byte[]{0}));
        int quantizers = 0;
        int products = 0;
        for (Node node : nodes) {
            if (node.op.equals("DynamicQuantizeLinear")) {
                quantizers++;
                String x = node.inputs.get(0);
                String p = PREFIX + "q" + quantizers + "/";
                String scale = node.outputs.get(1);
                zeroPoints.put(node.outputs.get(2), p + "zero_point_int");
                List<byte[]> steps = List.of(
                        node("Mul", List.of(x, PREFIX + "mask"), List.of(p + "masked")),
                        node("ReduceMin", List.of(p + "masked"), List.of(p + "min_text"), intsAttr("axes", 1, 2),
                                intAttr("keepdims", 1)),
                        node("Min", List.of(p + "min_text", PREFIX + "zero"), List.of(p + "min")),
                        node("ReduceMax", List.of(p + "masked"), List.of(p + "max_text"), intsAttr("axes", 1, 2),
                                intAttr("keepdims", 1)),
                        node("Max", List.of(p + "max_text", PREFIX + "zero"), List.of(p + "max")),
                        node("Sub", List.of(p + "max", p + "min"), List.of(p + "range")),
                        node("Div", List.of(p + "range", PREFIX + "q_max"), List.of(p + "range_scale")),
                        // A text whose values are all 0 has scale 1, as in ONNX's definition (not 0/0).
                        node("Equal", List.of(p + "range", PREFIX + "zero"), List.of(p + "flat")),
                        node("Where", List.of(p + "flat", PREFIX + "one", p + "range_scale"), List.of(scale)),
                        node("Div", List.of(p + "min", scale), List.of(p + "min_scaled")),
                        node("Neg", List.of(p + "min_scaled"), List.of(p + "zero_point_raw")),
                        node("Clip", List.of(p + "zero_point_raw", PREFIX + "zero", PREFIX + "q_max"),
                                List.of(p + "zero_point_clipped")),
                        node("Round", List.of(p + "zero_point_clipped"), List.of(p + "zero_point")),
                        node("Cast", List.of(p + "zero_point"), List.of(p + "zero_point_int"), intAttr("to", INT32)),
                        node("Div", List.of(p + "masked", scale), List.of(p + "scaled")),
                        node("Round", List.of(p + "scaled"), List.of(p + "rounded")),
                        node("Add", List.of(p + "rounded", p + "zero_point"), List.of(p + "shifted")),
                        // Scale 1 and zero point 0: only the saturation to 0..255 and the cast, in one kernel.
                        node("QuantizeLinear", List.of(p + "shifted", PREFIX + "one", PREFIX + "zero_u8"),
                                List.of(node.outputs.get(0))));
                steps.forEach(step -> rewritten.bytes(1, step));
            } else if (node.op.equals("MatMulInteger") && node.inputs.size() == 4
                    && zeroPoints.containsKey(node.inputs.get(2))) {
                products++;
                String p = PREFIX + "mm" + products + "/";
                String weights = node.inputs.get(1);
                String weightZeroPoint = node.inputs.get(3);
                List<byte[]> steps = List.of(
                        node("MatMulInteger", List.of(node.inputs.get(0), weights, "", weightZeroPoint),
                                List.of(p + "product")),
                        // Constant: ONNX Runtime folds these four when it loads the model.
                        node("Cast", List.of(weights), List.of(p + "weights"), intAttr("to", INT32)),
                        node("Cast", List.of(weightZeroPoint), List.of(p + "weight_zero_point"), intAttr("to", INT32)),
                        node("Sub", List.of(p + "weights", p + "weight_zero_point"), List.of(p + "centred")),
                        node("ReduceSum", List.of(p + "centred"), List.of(p + "column_sums"), intsAttr("axes", 0),
                                intAttr("keepdims", 1)),
                        node("Mul", List.of(zeroPoints.get(node.inputs.get(2)), p + "column_sums"),
                                List.of(p + "correction")),
                        node("Sub", List.of(p + "product", p + "correction"), List.of(node.outputs.get(0))));
                steps.forEach(step -> rewritten.bytes(1, step));
            } else {
                for (String input : node.inputs) {
                    if (zeroPoints.containsKey(input)) {
                        // Its per-tensor zero point is gone from the rewritten graph: say so here, not in ONNX Runtime.
                        throw new IllegalArgumentException("node " + node.op + " reads " + input + ", the zero point of"
                                + " a DynamicQuantizeLinear; per-text quantization rewrites only MatMulInteger's");
                    }
                }
                rewritten.raw(model, node.field.tagStart, node.field.end);
            }
        }
        if (quantizers == 0 || products == 0) {
            throw new IllegalArgumentException("not a dynamically quantized model: no DynamicQuantizeLinear feeding"
                    + " MatMulInteger");
        }
        for (Field field : fields) {
            if (field.number != 1) {
                rewritten.raw(model, field.tagStart, field.end);
            }
        }
        return rewritten.toByteArray();
    }

    // --- NodeProto, AttributeProto and TensorProto, written by field number (onnx.proto) ---

    private static byte[] node(String op, List<String> inputs, List<String> outputs, byte[]... attributes) {
        Writer node = new Writer();
        inputs.forEach(input -> node.string(1, input));
        outputs.forEach(output -> node.string(2, output));
        node.string(3, outputs.get(0) + "/node");
        node.string(4, op);
        for (byte[] attribute : attributes) {
            node.bytes(5, attribute);
        }
        return node.toByteArray();
    }

    private static byte[] intAttr(String name, long value) {
        Writer attribute = new Writer();
        attribute.string(1, name);
        attribute.varintField(3, value);
        attribute.varintField(20, ATTRIBUTE_INT);
        return attribute.toByteArray();
    }

    private static byte[] intsAttr(String name, long... values) {
        Writer attribute = new Writer();
        attribute.string(1, name);
        for (long value : values) {
            attribute.varintField(8, value);
        }
        attribute.varintField(20, ATTRIBUTE_INTS);
        return attribute.toByteArray();
    }

    /** A Constant node holding a scalar of {@code dataType} given as little-endian bytes. */
    private static byte[] constant(String name, int dataType, byte[] raw) {
        Writer tensor = new Writer();
        tensor.varintField(2, dataType);
        tensor.string(8, name + "/value");
        tensor.bytes(9, raw);
        Writer attribute = new Writer();
        attribute.string(1, "value");
        attribute.bytes(5, tensor.toByteArray());
        attribute.varintField(20, ATTRIBUTE_TENSOR);
        return node("Constant", List.of(), List.of(name), attribute.toByteArray());
    }

    private static byte[] floatBytes(float value) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value).array();
    }

    /** A node as read: its operator, inputs and outputs, and where its bytes are, to copy it unchanged. */
    private record Node(Field field, String op, List<String> inputs, List<String> outputs) {
        static Node parse(byte[] model, Field field) {
            String op = "";
            List<String> inputs = new ArrayList<>();
            List<String> outputs = new ArrayList<>();
            for (Field f : Field.parse(model, field.start, field.end)) {
                switch (f.number) {
                    case 1 -> inputs.add(f.string(model));
                    case 2 -> outputs.add(f.string(model));
                    case 4 -> op = f.string(model);
                    default -> { }
                }
            }
            return new Node(field, op, inputs, outputs);
        }
    }

    /**
     * One protobuf field: its number, the span of its value ({@code start}..{@code end}; for a length-delimited
     * field, the payload) and where its tag starts, so that it can be copied as it is.
     */
    private record Field(int number, int tagStart, int start, int end) {

        String string(byte[] buffer) {
            return new String(buffer, start, end - start, StandardCharsets.UTF_8);
        }

        long varint(byte[] buffer) {
            return Field.varint(buffer, new int[]{start}, end);
        }

        static List<Field> parse(byte[] buffer, int from, int to) {
            List<Field> fields = new ArrayList<>();
            int[] at = {from};
            while (at[0] < to) {
                int tagStart = at[0];
                long tag = varint(buffer, at, to);
                int number = (int) (tag >>> 3);
                int start;
                switch ((int) (tag & 7)) {
                    case 0 -> {
                        start = at[0];
                        varint(buffer, at, to);
                    }
                    case 1 -> {
                        start = at[0];
                        at[0] += 8;
                    }
                    case 2 -> {
                        long length = varint(buffer, at, to);
                        if (length < 0 || length > to - at[0]) {
                            throw new IllegalArgumentException("protobuf field " + number + " at byte " + tagStart
                                    + " is longer than what holds it: not an ONNX model, or a truncated one");
                        }
                        start = at[0];
                        at[0] += (int) length;
                    }
                    case 5 -> {
                        start = at[0];
                        at[0] += 4;
                    }
                    default -> throw new IllegalArgumentException("unsupported protobuf wire type " + (tag & 7)
                            + " at byte " + tagStart);
                }
                if (at[0] > to) {
                    throw new IllegalArgumentException("protobuf field " + number + " at byte " + tagStart
                            + " is cut off: not an ONNX model, or a truncated one");
                }
                fields.add(new Field(number, tagStart, start, at[0]));
            }
            return fields;
        }

        private static long varint(byte[] buffer, int[] at, int to) {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (at[0] >= to) {
                    throw new IllegalArgumentException("protobuf varint cut off at byte " + at[0]
                            + ": not an ONNX model, or a truncated one");
                }
                byte b = buffer[at[0]++];
                value |= (long) (b & 0x7f) << shift;
                if (b >= 0) {
                    return value;
                }
            }
            throw new IllegalArgumentException("malformed varint before byte " + at[0]);
        }
    }

    private static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        void raw(byte[] buffer, int from, int to) {
            out.write(buffer, from, to - from);
        }

        void varintField(int number, long value) {
            varint((long) number << 3);
            varint(value);
        }

        void string(int number, String value) {
            bytes(number, value.getBytes(StandardCharsets.UTF_8));
        }

        void bytes(int number, byte[] value) {
            varint((long) number << 3 | 2);
            varint(value.length);
            out.write(value, 0, value.length);
        }

        private void varint(long value) {
            while ((value & ~0x7fL) != 0) {
                out.write((int) ((value & 0x7f) | 0x80));
                value >>>= 7;
            }
            out.write((int) value);
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
