package io.memshift.schemas;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Events with every field set, for serde tests. */
final class SampleEvents {

    private SampleEvents() {
    }

    static MemoryEvent upsert(String id, String text) {
        Instant updated = Instant.parse("2024-07-20T08:03:19.545405Z");
        return MemoryEvent.newBuilder()
                .setOp(Op.UPSERT).setId(id).setText(text).setHash("d41d8cd98f00b204e9800998ecf8427e")
                .setUserId("alice").setAgentId("travel-bot").setRunId("run-7").setActorId(null).setRole("user")
                .setMetadata("{\"source\":\"chat\",\"score\":0.75,\"nested\":{\"k\":[1,2]}}")
                .setCategories(List.of("preferences", "food"))
                .setCreatedAt("2024-07-20T01:03:19.545405-07:00").setCreatedAtTs(updated)
                .setUpdatedAt("2024-07-20T01:03:19.545405-07:00").setUpdatedAtTs(updated)
                .setVersion(MemoryVersion.ofUpsert(updated, updated, text))
                .setSource(SourceRef.newBuilder().setSystem("mem0-json").setName("export.json").setPosition("export.json:12").build())
                .setExtras(Map.of("immutable", "false"))
                .build();
    }
}
