package io.memshift.reembedder;

import java.util.List;

/**
 * Cosine similarity, the one measure memshift compares vectors by: {@code verify} (a stored vector against a fresh
 * one), {@code bench embed} (the tuned model against the stock one) and the tests.
 */
public final class Vectors {

    private Vectors() {
    }

    /**
     * The cosine of the angle between {@code a} and {@code b}, in [-1, 1]. A zero vector has no direction and is
     * similar to nothing: its cosine is 0 (not NaN, which every threshold comparison would let pass).
     *
     * @throws IllegalArgumentException if the vectors differ in dimensions
     */
    public static double cosine(float[] a, float[] b) {
        requireSameDims(a.length, b.length);
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    /** As {@link #cosine(float[], float[])}, for a vector as Avro carries it ({@code EmbeddedMemoryEvent.embedding}). */
    public static double cosine(float[] a, List<Float> b) {
        return cosine(a, toArray(b));
    }

    public static float[] toArray(List<Float> vector) {
        float[] array = new float[vector.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = vector.get(i);
        }
        return array;
    }

    private static void requireSameDims(int a, int b) {
        if (a != b) {
            throw new IllegalArgumentException("cannot compare a " + a + "-d vector with a " + b + "-d vector");
        }
    }
}
