package io.memshift.clients;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;

/**
 * A password, API key or token, and where it came from. A config file names a secret only by reference,
 * {@code env:NAME} (an environment variable) or {@code file:/path} (the file's content, without the line break
 * at its end), so that the file itself can be shared, printed or committed. The value is read once, here, and is
 * handed out only by {@link #reveal()} to the client that sends it; {@link #toString()} and every message name
 * the reference, never the value.
 */
public final class Secret {

    private final String origin;
    private final String value;

    private Secret(String origin, String value) {
        this.origin = origin;
        this.value = value;
    }

    /** True if {@code text} is a reference this class resolves ({@code env:NAME} or {@code file:/path}). */
    public static boolean isReference(String text) {
        return text != null && (text.startsWith("env:") || text.startsWith("file:"));
    }

    /**
     * The secret {@code reference} points to.
     *
     * @param what what the secret is, for messages ({@code "elasticsearch.api-key in memshift.yaml:12"})
     * @throws IllegalArgumentException naming {@code what} and the reference (never a value) if it is not a
     *                                  reference, or names an unset variable or an unreadable or empty file
     */
    public static Secret resolve(String reference, String what) {
        return resolve(reference, what, System::getenv);
    }

    /** As {@link #resolve(String, String)}, reading variables from {@code environment} (a test's, say). */
    public static Secret resolve(String reference, String what, Function<String, String> environment) {
        if (!isReference(reference)) {
            throw new IllegalArgumentException(what + " must refer to the secret, as env:NAME (an environment"
                    + " variable) or file:/path (a file holding it), not hold it: a secret is never written in a"
                    + " config file");
        }
        if (reference.startsWith("env:")) {
            String name = reference.substring("env:".length());
            String value = name.isEmpty() ? null : environment.apply(name);
            if (value == null || value.isEmpty()) {
                throw new IllegalArgumentException(what + " refers to the environment variable " + name
                        + ", which is not set" + (value == null ? "" : " to anything"));
            }
            return new Secret(reference, value);
        }
        Path file = Path.of(reference.substring("file:".length()));
        String value;
        try {
            value = stripLineBreak(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(what + " refers to the file " + file + ", which does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException(what + " refers to the file " + file + ", which cannot be read: "
                    + e.getClass().getSimpleName());
        }
        if (value.isEmpty()) {
            throw new IllegalArgumentException(what + " refers to the file " + file + ", which is empty");
        }
        return new Secret(reference, value);
    }

    /**
     * A secret given in place by something that is itself a secret's home (a Kafka client properties file, the
     * user part of a URL): {@code origin} says where, for messages.
     */
    public static Secret given(String value, String origin) {
        return new Secret(Objects.requireNonNull(origin), Objects.requireNonNull(value));
    }

    /** The value, for the one client that sends it. Never print, log or put it in a message. */
    public String reveal() {
        return value;
    }

    /** Where it came from: {@code env:NAME}, {@code file:/path}, or what {@link #given} was told. */
    public String origin() {
        return origin;
    }

    private static String stripLineBreak(String text) {
        int end = text.length();
        if (end > 0 && text.charAt(end - 1) == '\n') {
            end--;
        }
        if (end > 0 && text.charAt(end - 1) == '\r') {
            end--;
        }
        return text.substring(0, end);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Secret secret && secret.origin.equals(origin) && secret.value.equals(value);
    }

    @Override
    public int hashCode() {
        return origin.hashCode();
    }

    /** The reference, never the value. */
    @Override
    public String toString() {
        return "secret from " + origin;
    }
}
