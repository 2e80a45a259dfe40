package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A newer export of a whole store is a snapshot: memories it no longer holds (deleted without an event) are
 * deleted in the index. A snapshot that would delete more than --max-deletes is refused, nothing deleted, until
 * the user says so; --dry-run only lists.
 */
@ExtendWith(EmbeddedStackExtension.class)
class SnapshotReconciliationTest {

    private static final String MODEL = "onnx:all-minilm-l6-v2-q";
    private static final Instant AT = Instant.parse("2025-03-01T10:00:00Z");

    @TempDir
    Path dir;

    @Test
    void fivePercentGoneIsDeletedSixtyPercentGoneIsRefused(StackEndpoints stack) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 6);
        String pipeline = "recon-" + run;
        String index = "memories." + pipeline + ".onnx-all-minilm-l6-v2-q-1";
        Path store = dir.resolve(pipeline + ".jsonl");
        List<String> all = Stores.ids("r-" + run, 100);

        Stores.write(store, all, AT);
        Cli.Result first = migrate(stack, store);
        assertThat(first.exitCode()).as(first.out() + first.err()).isZero();
        assertThat(IndexContents.liveIds(stack, index)).hasSize(100);

        // 5% of the store is gone (deleted in the store, no event reached memshift).
        List<String> gone = List.of(all.get(3), all.get(17), all.get(42), all.get(77), all.get(99));
        List<String> remaining = new ArrayList<>(all);
        remaining.removeAll(gone);
        Stores.write(store, remaining, AT);
        Cli.Result second = migrate(stack, store);
        assertThat(second.exitCode()).as(second.out() + second.err()).isZero();
        assertThat(second.out()).contains("Deleted 5 memories the snapshot no longer holds");
        assertThat(IndexContents.liveIds(stack, index)).isEqualTo(new TreeSet<>(remaining));
        assertThat(IndexContents.deletedIds(stack, index)).isEqualTo(new TreeSet<>(gone));

        // 60% of what is left is gone: refused, nothing deleted, the message says how to override.
        List<String> few = new ArrayList<>(remaining.subList(0, 38));
        Stores.write(store, few, AT);
        // The index's entity store is gone (as for an index made before memshift had them): the refused run's
        // importer makes it again, and the refusal removes that one only, never the index it found.
        String entities = index + "_entities";
        IndexContents.send(stack, "DELETE", "/" + entities + "," + entities + "-memshift-deletes", "");
        Cli.Result refused = migrate(stack, store);
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).contains("lacks 57 of the 95 memories").contains("--max-deletes 10%")
                .contains("nothing was published or deleted").contains(remaining.get(38))
                .contains("--max-deletes 57").contains("--max-deletes 60%");
        assertThat(IndexContents.liveIds(stack, index)).isEqualTo(new TreeSet<>(remaining));
        assertThat(IndexContents.indicesStartingWith(stack, index)).containsExactlyInAnyOrder(index,
                index + "-memshift-deletes");
        // Refused on its way to a new index (as for another model): the importer had already made that index, its
        // entity store and their ledgers; none of them is left behind, empty.
        String fresh = "recon-refused-" + run;
        Cli.Result refusedNew = migrate(stack, store, "--index", fresh);
        assertThat(refusedNew.exitCode()).as(refusedNew.out() + refusedNew.err()).isEqualTo(2);
        assertThat(IndexContents.indicesStartingWith(stack, fresh)).isEmpty();

        // --dry-run lists every memory that would go, and changes nothing; it says (and exits 2 as) the real run
        // would be refused, where it once exited 0 without a word of it.
        Cli.Result dry = migrate(stack, store, "--dry-run");
        assertThat(dry.exitCode()).as(dry.out() + dry.err()).isEqualTo(2);
        assertThat(dry.out()).contains("Dry run").contains("would delete 57")
                .contains("A real run would be refused: the snapshot").contains("more than --max-deletes 10% allows");
        Cli.Result dryAllowed = migrate(stack, store, "--dry-run", "--max-deletes", "60%");
        assertThat(dryAllowed.exitCode()).as(dryAllowed.out() + dryAllowed.err()).isZero();
        assertThat(dryAllowed.out()).contains("would delete 57").doesNotContain("would be refused");
        for (String id : remaining.subList(38, remaining.size())) {
            assertThat(dry.out()).contains(id);
        }
        assertThat(IndexContents.liveIds(stack, index)).isEqualTo(new TreeSet<>(remaining));

        // Told so, it deletes them.
        Cli.Result overridden = migrate(stack, store, "--max-deletes", "60%");
        assertThat(overridden.exitCode()).as(overridden.out() + overridden.err()).isZero();
        assertThat(IndexContents.liveIds(stack, index)).isEqualTo(new TreeSet<>(few));
        Set<String> tombstones = new TreeSet<>(all);
        tombstones.removeAll(few);
        assertThat(IndexContents.deletedIds(stack, index)).isEqualTo(tombstones);

        // verify without --index finds the pipeline's index: its entity store is not a second index to choose from.
        Cli.Result found = Cli.run("verify", "--source", "jsonl:" + store, "--sample", "10",
                "--bootstrap-servers", stack.bootstrapServers(), "--schema-registry", stack.schemaRegistryUrl(),
                "--es", stack.elasticsearchUrl());
        assertThat(found.err()).as(found.out() + found.err()).contains("Verifying " + index + ", the index of pipeline "
                + pipeline).doesNotContain("say which with --index");

        // verify of a mistyped pipeline says there is none (it said the pipeline "has no index yet").
        Cli.Result typo = Cli.run("verify", "--source", "jsonl:" + store, "--pipeline", pipeline + "x",
                "--bootstrap-servers", stack.bootstrapServers(), "--schema-registry", stack.schemaRegistryUrl(),
                "--es", stack.elasticsearchUrl());
        assertThat(typo.exitCode()).as(typo.out() + typo.err()).isEqualTo(2);
        assertThat(typo.err()).contains("there is no pipeline " + pipeline + "x").contains(pipeline);
        // A mistyped --alias is named, not taken for a first migration.
        Cli.Result noAlias = Cli.run("verify", "--source", "jsonl:" + store, "--index", index, "--alias", "no-such-" + run,
                "--bootstrap-servers", stack.bootstrapServers(), "--schema-registry", stack.schemaRegistryUrl(),
                "--es", stack.elasticsearchUrl());
        assertThat(noAlias.out()).as(noAlias.out() + noAlias.err()).contains("alias no-such-" + run + " points to no index");
    }

    private Cli.Result migrate(StackEndpoints stack, Path store, String... more) {
        List<String> args = new ArrayList<>(List.of("--source", "jsonl:" + store, "--model", MODEL, "--no-cutover"));
        args.addAll(List.of(more));
        return Cli.migrate(stack, dir.resolve("data"), args.toArray(String[]::new));
    }
}
