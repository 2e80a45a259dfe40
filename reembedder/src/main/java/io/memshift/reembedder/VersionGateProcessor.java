package io.memshift.reembedder;

import io.memshift.schemas.MemoryEvent;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Forwards an event only if its version is higher than every version of the same memory forwarded before, and
 * remembers that version. So the log this writes holds each memory's versions in increasing order, and the last
 * record of a key, which is what compaction keeps, is always its highest version: a delete stays the last word
 * even when an older copy of the memory is published after it.
 */
final class VersionGateProcessor implements Processor<String, MemoryEvent, String, MemoryEvent> {

    private final String storeName;
    private final VersionGate.Counts counts;
    private final boolean forward;
    private ProcessorContext<String, MemoryEvent> context;
    private KeyValueStore<String, Long> highest;

    /**
     * @param forward true for the intake (forward what is newer); false for the log itself, whose records only
     *                raise the versions remembered: a log written before the gate existed (or by a writer that
     *                bypasses it) is then still never followed by an older version
     */
    VersionGateProcessor(String storeName, VersionGate.Counts counts, boolean forward) {
        this.storeName = storeName;
        this.counts = counts;
        this.forward = forward;
    }

    @Override
    public void init(ProcessorContext<String, MemoryEvent> context) {
        this.context = context;
        this.highest = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<String, MemoryEvent> record) {
        MemoryEvent event = record.value();
        if (event == null) {
            // Publishers never write tombstones (a delete is a versioned event); nothing to order.
            counts.dropped.incrementAndGet();
            return;
        }
        // The key is the memory id for every publisher; the event's id decides if one ever were missing.
        String id = record.key() != null ? record.key() : event.getId();
        Long seen = highest.get(id);
        if (!forward) {
            if (seen == null || seen < event.getVersion()) {
                highest.put(id, event.getVersion());
            }
            return;
        }
        if (seen != null && seen >= event.getVersion()) {
            counts.stale.incrementAndGet();
            return;
        }
        highest.put(id, event.getVersion());
        context.forward(record.withKey(id));
        counts.forwarded.incrementAndGet();
    }
}
