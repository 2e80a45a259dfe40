package io.memshift.exporter;

import com.fasterxml.jackson.databind.JsonNode;
import io.memshift.schemas.Json;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * How far the export of one source got: the first {@code position} memories (in source order) are published.
 * Written in the same Kafka transaction as those memories, so it never claims more, or less, than what a
 * read_committed consumer sees.
 *
 * @param size     the source's size when the checkpoint was written ...
 * @param modified ... and its modification time: if either differs now, the source changed and the export
 *                 starts over
 */
public record ExportCheckpoint(long position, long total, boolean complete, long size, long modified) {

    boolean sameSource(long size, long modified) {
        return this.size == size && this.modified == modified;
    }

    String toJson() {
        return Json.MAPPER.createObjectNode().put("position", position).put("total", total).put("complete", complete)
                .put("size", size).put("modified", modified).toString();
    }

    static ExportCheckpoint fromJson(String json) {
        try {
            JsonNode node = Json.MAPPER.readTree(json);
            return new ExportCheckpoint(node.get("position").asLong(), node.get("total").asLong(),
                    node.get("complete").asBoolean(), node.get("size").asLong(), node.get("modified").asLong());
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable export checkpoint: " + json, e);
        }
    }
}
