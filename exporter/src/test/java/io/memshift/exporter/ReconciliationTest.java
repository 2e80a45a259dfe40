package io.memshift.exporter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.memshift.schemas.MemoryVersion;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class ReconciliationTest {

    private static final Instant SNAPSHOT = Instant.parse("2025-06-01T12:00:00Z");
    private static final Instant BEFORE = Instant.parse("2025-05-01T00:00:00Z");

    private static LogMemory live(String user, Instant changed) {
        return new LogMemory(MemoryVersion.ofUpsert(changed, null, "text"), false, user, null, null, changed);
    }

    private static Map<String, LogMemory> logOf(int count, String user) {
        Map<String, LogMemory> log = new HashMap<>();
        for (int i = 0; i < count; i++) {
            log.put(String.format("%s-%03d", user, i), live(user, BEFORE));
        }
        return log;
    }

    @Test
    void memoriesTheSnapshotLacksAreDeletedAtTheSnapshotsStart() {
        Map<String, LogMemory> log = logOf(5, "u");
        Reconciliation plan = Reconciliation.plan(log, Set.of("u-000", "u-002", "u-004"), ExportOptions.DEFAULTS, SNAPSHOT);
        assertThat(plan.deletes()).containsExactly("u-001", "u-003");
        assertThat(plan.live()).isEqualTo(5);
        assertThat(plan.deleteVersion()).isEqualTo(MemoryVersion.ofDelete(SNAPSHOT));
    }

    @Test
    void deletedChangedLaterOrPresentInAnyFormAreNotCandidates() {
        Map<String, LogMemory> log = new HashMap<>();
        log.put("gone", live("u", BEFORE));
        log.put("already-deleted", new LogMemory(MemoryVersion.ofDelete(BEFORE), true, null, null, null, BEFORE));
        // Added live after the snapshot began: the snapshot cannot have it, and it is not gone.
        log.put("added-live", live("u", SNAPSHOT.plusSeconds(5)));
        // Present in the source as an invalid record: it exists.
        log.put("invalid-in-source", live("u", BEFORE));
        Reconciliation plan = Reconciliation.plan(log, Set.of("invalid-in-source"), ExportOptions.DEFAULTS, SNAPSHOT);
        assertThat(plan.deletes()).containsExactly("gone");
        assertThat(plan.live()).isEqualTo(3);
    }

    @Test
    void entitiesAreReconciledOnlyByASnapshotThatReadTheEntityStore() {
        Map<String, LogMemory> log = new HashMap<>();
        log.put("memory-gone", live("u", BEFORE));
        log.put("memory-kept", live("u", BEFORE));
        log.put("entity-gone", new LogMemory(MemoryVersion.ofUpsert(BEFORE, null, "Lisbon"), false, "u", null, null,
                BEFORE, true));
        log.put("entity-kept", new LogMemory(MemoryVersion.ofUpsert(BEFORE, null, "Berlin"), false, "u", null, null,
                BEFORE, true));
        Set<String> inSource = Set.of("memory-kept", "entity-kept");

        // A source without an entity store (an export file, the Mem0 API) says nothing of entities.
        Reconciliation memoriesOnly = Reconciliation.plan(log, inSource, ExportOptions.DEFAULTS, SNAPSHOT, false);
        assertThat(memoriesOnly.deletes()).containsExactly("memory-gone");
        assertThat(memoriesOnly.entityDeletes()).isEmpty();
        assertThat(memoriesOnly.live()).isEqualTo(2);

        // One that read the entity store: an entity it no longer has is gone, and its delete is an entity's.
        Reconciliation withEntities = Reconciliation.plan(log, inSource, ExportOptions.DEFAULTS, SNAPSHOT, true);
        assertThat(withEntities.deletes()).containsExactly("entity-gone", "memory-gone");
        assertThat(withEntities.entityDeletes()).containsExactly("entity-gone");
        assertThat(withEntities.live()).isEqualTo(4);
    }

    @Test
    void aFilteredExportReconcilesOnlyWithinItsFilter() {
        Map<String, LogMemory> log = new HashMap<>(logOf(4, "alice"));
        log.putAll(logOf(4, "bob"));
        ExportOptions onlyAlice = new ExportOptions(false, false, null, "alice", null, null, null);
        Reconciliation plan = Reconciliation.plan(log, Set.of("alice-000", "alice-001", "alice-002"), onlyAlice, SNAPSHOT);
        assertThat(plan.deletes()).containsExactly("alice-003");
        assertThat(plan.live()).isEqualTo(4);

        ExportOptions recent = new ExportOptions(false, false, null, null, null, null, Instant.parse("2025-05-15T00:00:00Z"));
        log.put("recent", live("carol", Instant.parse("2025-05-20T00:00:00Z")));
        Reconciliation sinceMay15 = Reconciliation.plan(log, Set.of(), recent, SNAPSHOT);
        assertThat(sinceMay15.deletes()).containsExactly("recent");
    }

    @Test
    void theGuardRefusesMoreThanTheLimitListingThemAndHowToOverride() {
        Map<String, LogMemory> log = logOf(100, "u");
        Set<String> inSource = new java.util.HashSet<>(log.keySet());
        for (int i = 0; i < 60; i++) {
            inSource.remove(String.format("u-%03d", i));
        }
        Reconciliation sixty = Reconciliation.plan(log, inSource, ExportOptions.DEFAULTS, SNAPSHOT);
        assertThatThrownBy(() -> sixty.requireWithin(MaxDeletes.DEFAULT, "mem0-json:/x/store.json"))
                .isInstanceOf(DeleteGuardException.class)
                .hasMessageContaining("lacks 60 of the 100 memories")
                .hasMessageContaining("--max-deletes 10% allows (10)")
                .hasMessageContaining("nothing was published or deleted")
                .hasMessageContaining("u-000, u-001")
                .hasMessageContaining("and 40 more")
                .hasMessageContaining("--max-deletes 60")
                .hasMessageContaining("--dry-run")
                .satisfies(e -> assertThat(((DeleteGuardException) e).wouldDelete()).hasSize(60));
        sixty.requireWithin(MaxDeletes.parse("60"), "s");
        sixty.requireWithin(MaxDeletes.parse("60%"), "s");

        inSource.addAll(log.keySet());
        inSource.removeAll(Set.of("u-000", "u-001", "u-002", "u-003", "u-004"));
        Reconciliation five = Reconciliation.plan(log, inSource, ExportOptions.DEFAULTS, SNAPSHOT);
        five.requireWithin(MaxDeletes.DEFAULT, "s");
        assertThat(five.deletes()).hasSize(5);
        assertThatThrownBy(() -> five.requireWithin(MaxDeletes.parse("4"), "s")).isInstanceOf(DeleteGuardException.class);
    }

    @Test
    void maxDeletesIsACountOrAPercentage() {
        assertThat(MaxDeletes.parse("25").limit(1000)).isEqualTo(25);
        assertThat(MaxDeletes.parse("10%").limit(1000)).isEqualTo(100);
        assertThat(MaxDeletes.parse("10%").limit(9)).isZero();
        assertThat(MaxDeletes.parse("0.5%").limit(1000)).isEqualTo(5);
        assertThat(MaxDeletes.parse(" 100% ").limit(7)).isEqualTo(7);
        assertThat(MaxDeletes.parse("10%")).isEqualTo(MaxDeletes.DEFAULT).hasToString("10%");
        assertThat(MaxDeletes.parse("0.5%")).hasToString("0.5%");
        assertThat(MaxDeletes.parse("25")).hasToString("25");
        for (String bad : new String[] {"", "ten", "-1", "101%", "2.5", "10 %%", "%"}) {
            assertThatThrownBy(() -> MaxDeletes.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("--max-deletes");
        }
    }
}
