package io.memshift.schemas;

import org.apache.kafka.common.errors.SerializationException;

/** The registry refused or could not be reached; a Kafka SerializationException so clients treat it as one. */
public class SchemaRegistryException extends SerializationException {

    /** The HTTP status the registry answered, or 0 if it did not answer (or answered 2xx with a bad body). */
    private final int status;

    public SchemaRegistryException(String message) {
        this(message, 0);
    }

    public SchemaRegistryException(String message, int status) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public SchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
    }
}
