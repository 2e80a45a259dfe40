package io.memshift.schemas;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * A schema registry held in this process, with the rules of the real one that matter to a producer and a consumer:
 * ids are global (the same schema under two subjects has one id), registering is idempotent, and a subject takes a
 * new schema only if it is BACKWARD compatible with the subject's latest one (the compatibility memshift sets on
 * every subject of a real registry). Nothing is persisted: one instance per test or per topology.
 */
public final class InMemorySchemaRegistry implements SchemaRegistry {

    private final Map<Schema, Integer> idsBySchema = new HashMap<>();
    private final Map<Integer, Schema> schemasById = new HashMap<>();
    private final Map<String, List<Schema>> versionsBySubject = new HashMap<>();

    @Override
    public synchronized int register(String subject, Schema schema) {
        List<Schema> versions = versionsBySubject.computeIfAbsent(subject, s -> new ArrayList<>());
        if (!versions.contains(schema)) {
            if (!versions.isEmpty()) {
                Schema latest = versions.get(versions.size() - 1);
                SchemaCompatibility.SchemaPairCompatibility check =
                        SchemaCompatibility.checkReaderWriterCompatibility(schema, latest);
                if (check.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                    throw new SchemaRegistryException("schema " + schema.getFullName() + " is not BACKWARD compatible"
                            + " with the latest schema of subject " + subject + ": " + check.getDescription());
                }
            }
            versions.add(schema);
        }
        return idsBySchema.computeIfAbsent(schema, s -> {
            int id = idsBySchema.size() + 1;
            schemasById.put(id, s);
            return id;
        });
    }

    @Override
    public synchronized Schema schemaById(int id) {
        Schema schema = schemasById.get(id);
        if (schema == null) {
            throw new SchemaRegistryException("the in-memory schema registry has no schema with id " + id);
        }
        return schema;
    }

    /** The schemas registered under {@code subject}, oldest first. */
    public synchronized List<Schema> versions(String subject) {
        return List.copyOf(versionsBySubject.getOrDefault(subject, List.of()));
    }
}
