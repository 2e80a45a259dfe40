package io.memshift.schemas;

import org.apache.avro.Schema;

/**
 * What the Confluent wire format needs of a schema registry: an id for a schema written under a subject, and the
 * schema behind an id read off the wire. {@link SchemaRegistryClient} asks a real registry over its REST API;
 * {@link InMemorySchemaRegistry} keeps the schemas in the process, so that a topology runs under
 * {@code TopologyTestDriver} and a unit test needs no server.
 */
public interface SchemaRegistry {

    /**
     * Registers {@code schema} under {@code subject} (idempotent: a schema the subject already holds keeps its id)
     * and returns its global id.
     *
     * @throws SchemaRegistryException if the registry refuses it (e.g. not compatible with the subject's schemas)
     *                                 or cannot be reached
     */
    int register(String subject, Schema schema);

    /**
     * The schema registered under {@code id}.
     *
     * @throws SchemaRegistryException naming the id if the registry has no such schema or cannot be reached
     */
    Schema schemaById(int id);
}
