package io.memshift.schemas;

import org.apache.kafka.common.errors.SerializationException;

/** The registry refused or could not be reached; a Kafka SerializationException so clients treat it as one. */
public class SchemaRegistryException extends SerializationException {
    public SchemaRegistryException(String message) {
        super(message);
    }

    public SchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
    }
}
