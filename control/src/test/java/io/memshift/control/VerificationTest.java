package io.memshift.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class VerificationTest {

    private static Verification.Memory m(String user, long digest) {
        return new Verification.Memory(user, digest, 0);
    }

    @Test
    void perUserRowsCountMissingExtraAndChangedMemories() {
        Map<String, Verification.Memory> source = Map.of(
                "a1", m("alice", 1), "a2", m("alice", 2), "a3", m("alice", 3),
                "b1", m("bob", 4), "b2", m("bob", 5));
        Map<String, Verification.Memory> index = Map.of(
                "a1", m("alice", 1), "a2", m("alice", 99),          // a2 changed, a3 missing
                "b1", m("bob", 4), "b2", m("carol", 5),             // b2 moved to another user: changed
                "c9", m("carol", 9));                               // not in the source: extra
        List<String> missing = new ArrayList<>();
        List<String> extra = new ArrayList<>();
        List<String> changed = new ArrayList<>();

        List<VerifyReport.UserRow> rows = Verification.compare(source, index, missing, extra, changed);

        assertThat(missing).containsExactly("a3");
        assertThat(extra).containsExactly("c9");
        assertThat(changed).containsExactlyInAnyOrder("a2", "b2");
        assertThat(rows).containsExactly(
                new VerifyReport.UserRow("alice", 3, 2, 1, 0, 1, false),
                new VerifyReport.UserRow("bob", 2, 1, 0, 0, 1, false),
                new VerifyReport.UserRow("carol", 0, 2, 0, 1, 0, false));
    }

    @Test
    void aFaithfulIndexHasEqualChecksumsForEveryUser() {
        Map<String, Verification.Memory> source = Map.of("a1", m("alice", 11), "a2", m("alice", -7),
                "n1", m(Verification.NO_USER, 3));
        List<String> missing = new ArrayList<>();
        List<String> extra = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<VerifyReport.UserRow> rows = Verification.compare(source, Map.copyOf(source), missing, extra, changed);
        assertThat(missing).isEmpty();
        assertThat(extra).isEmpty();
        assertThat(changed).isEmpty();
        assertThat(rows).extracting(VerifyReport.UserRow::user).containsExactly("(no user)", "alice");
        assertThat(rows).allSatisfy(row -> assertThat(row.checksumEqual()).isTrue());
    }

    @Test
    void theSampleDependsOnTheSeedAndTheIdsNotOnTheirOrder() {
        Set<String> ids = new LinkedHashSet<>();
        for (int i = 0; i < 100; i++) {
            ids.add("m-" + i);
        }
        Set<String> reversed = new LinkedHashSet<>(ids.stream().sorted(java.util.Comparator.reverseOrder()).toList());
        List<String> sample = Verification.sample(ids, 10, 42);
        assertThat(sample).hasSize(10).doesNotHaveDuplicates().isSubsetOf(ids);
        assertThat(Verification.sample(reversed, 10, 42)).isEqualTo(sample);
        assertThat(Verification.sample(ids, 10, 43)).isNotEqualTo(sample);
        assertThat(Verification.sample(Set.of("x", "y"), 10, 42)).containsExactlyInAnyOrder("x", "y");
    }

    @Test
    void overlapIsTheShareOfKNeighboursInCommon() {
        assertThat(Verification.overlap(Set.of("a", "b", "c", "d"), Set.of("c", "d", "e", "f"), 4)).isEqualTo(0.5);
        assertThat(Verification.overlap(Set.of("a"), Set.of("b"), 4)).isZero();
        // Fewer hits than k (a small index) still counts against k.
        assertThat(Verification.overlap(Set.of("a", "b"), Set.of("a", "b"), 4)).isEqualTo(0.5);
    }

    @Test
    void cosineOfAFreshAndAStoredVector() {
        ArrayNode stored = JsonNodeFactory.instance.arrayNode().add(0.6).add(0.8);
        assertThat(Verification.cosine(new float[] {0.6f, 0.8f}, stored)).isCloseTo(1.0, within(1e-6));
        assertThat(Verification.cosine(new float[] {3f, 4f}, stored)).isCloseTo(1.0, within(1e-6));
        assertThat(Verification.cosine(new float[] {-0.8f, 0.6f}, stored)).isCloseTo(0.0, within(1e-6));
        assertThat(Verification.cosine(new float[] {-0.6f, -0.8f}, stored)).isCloseTo(-1.0, within(1e-6));
        // No stored vector, or one of other dimensions (another model): no similarity at all.
        assertThat(Verification.cosine(new float[] {0.6f, 0.8f}, null)).isZero();
        assertThat(Verification.cosine(new float[] {0.6f, 0.8f, 0f}, stored)).isZero();
    }

    @Test
    void aFirstMigrationHasNoPreviousIndexEvenWhenTheAliasPointsAtIt() {
        // verify right after the first migration: the alias points at the index itself, no cutover came before.
        Verification.Previous first = Verification.previousIndex("memories-a-1", null, Set.of("memories-a-1"), null,
                i -> true);
        assertThat(first.index()).isNull();
        assertThat(first.none()).isEqualTo("no previous index to compare with (first migration)");
        // ... and before any cutover at all (--no-cutover, or the alias is new).
        assertThat(Verification.previousIndex("memories-a-1", null, Set.of(), null, i -> true).index()).isNull();
    }

    @Test
    void thePreviousIndexIsTheAliasTargetBeforeTheCutoverAndTheCutoverOriginAfterIt() {
        assertThat(Verification.previousIndex("b", null, Set.of("a"), null, i -> true).index()).isEqualTo("a");
        assertThat(Verification.previousIndex("b", null, Set.of("b"), "a", i -> true).index()).isEqualTo("a");
        Verification.Previous gone = Verification.previousIndex("b", null, Set.of("b"), "a", i -> !i.equals("a"));
        assertThat(gone.index()).isNull();
        assertThat(gone.none()).isEqualTo("the previous index a no longer exists");
    }

    @Test
    void aGivenIndexWinsButNeverTheIndexItself() {
        assertThat(Verification.previousIndex("b", "old", Set.of("a"), "a", i -> true).index()).isEqualTo("old");
        assertThatThrownBy(() -> Verification.previousIndex("b", "b", Set.of("a"), null, i -> true))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("is the index being verified");
        assertThatThrownBy(() -> Verification.previousIndex("b", "old", Set.of(), null, i -> false))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("old to compare with does not exist");
    }
}
