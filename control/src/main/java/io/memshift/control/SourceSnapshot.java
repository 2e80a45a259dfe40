package io.memshift.control;

import io.memshift.exporter.EntitySource;
import io.memshift.exporter.MemoryEventConverter;
import io.memshift.exporter.MemorySource;
import io.memshift.schemas.MemoryEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A source read whole, as the exporter would publish it but without publishing: each record validated by the
 * exporter's {@link MemoryEventConverter}, the newest valid version of each memory kept, and the problems of the
 * records that are not valid. {@link Verification} and {@link Plan} start from it.
 *
 * @param newest   by memory id
 * @param problems each invalid record's problems, naming its position, id and field
 * @param invalid  records that were not valid
 */
record SourceSnapshot(Map<String, MemoryEvent> newest, List<String> problems, long invalid) {

    /** Reads {@code source}; a memory with a longer text than {@code maxTextChars} is invalid, as for the exporter. */
    static SourceSnapshot read(MemorySource source, int maxTextChars) {
        // Versions as the exporter gives them, memories without timestamps dated by this read of the source.
        MemoryEventConverter converter = MemoryEventConverter.forSource(source, maxTextChars);
        return collect(sink -> source.forEach(memory -> sink.accept(converter.convert(memory))));
    }

    /** The entities of the source's entity store (Mem0 v3's {@code <collection>_entities}), read the same way. */
    static SourceSnapshot readEntities(MemorySource source, EntitySource store, int maxTextChars) {
        MemoryEventConverter converter = MemoryEventConverter.forSource(source, maxTextChars);
        return collect(sink -> store.forEachEntity(entity -> sink.accept(converter.convert(entity))));
    }

    /** The newest valid version of each id among the converted records, and the problems of the invalid ones. */
    private static SourceSnapshot collect(Consumer<Consumer<MemoryEventConverter.Result>> records) {
        Map<String, MemoryEvent> newest = new HashMap<>();
        List<String> problems = new ArrayList<>();
        long[] invalid = new long[1];
        records.accept(result -> {
            if (!result.valid()) {
                problems.addAll(result.problems());
                invalid[0]++;
                return;
            }
            newest.merge(result.event().getId(), result.event(), (a, b) -> b.getVersion() >= a.getVersion() ? b : a);
        });
        return new SourceSnapshot(newest, problems, invalid[0]);
    }
}
