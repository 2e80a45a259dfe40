package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.memshift.clients.KafkaSettings;
import io.memshift.e2e.Mem0App.StoredMemory;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.exporter.MemoryEventPublisher;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.Topics;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10's acceptance, with the real Mem0 client: a Mem0 app writes memories with model A (entities linked),
 * memshift migrates its store to model B, and a Mem0 app on model B, configured with the alias as its collection,
 * finds, lists, reads, updates, deletes and adds memories, entities included; a memory deleted upstream during the
 * migration is {@code null} to it.
 */
@ExtendWith(EmbeddedStackExtension.class)
@Disabled("needs the entities export (issue 10 item 2: <alias>_entities); --layout mem0 is there (Mem0TakeOverTest"
        + " runs the same client checks without entities). Also, migrate has no --topic yet, so this test publishes"
        + " to the shared 'memories' topic that MigrateEndToEndTest counts: give it a topic of its own before enabling")
class Mem0DropInTest {

    private static final String MODEL_A = "onnx:all-minilm-l6-v2";
    private static final String MODEL_B = "onnx:bge-small-en-v15";

    @TempDir
    Path work;

    @TempDir
    Path dataDir;

    @Test
    void aMem0AppOnTheNewModelKeepsWorkingThroughTheAlias(StackEndpoints stack) throws Exception {
        Mem0App.harness();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String source = "mem0_src_" + suffix;
        String alias = "mem0_dropin_" + suffix;

        Mem0App.Written written;
        try (ServeInProcess serveA = new ServeInProcess(MODEL_A)) {
            written = new Mem0App(stack.elasticsearchUrl(), source, serveA.baseUrl(), "model-a", serveA.dims(), work)
                    .write(Mem0ServeTest.memories());
        }
        assertThat(written.lost()).isEmpty();

        // Deleted upstream while the migration runs: the live delete is on the topic before the export's older
        // copy of the memory, which must not bring it back.
        StoredMemory deletedUpstream = written.memories().get(5);
        try (MemoryEventPublisher live = new MemoryEventPublisher(KafkaSettings.of(stack.bootstrapServers()),
                new SchemaRegistryClient(stack.schemaRegistryUrl()), Topics.MEMORIES, "ingest")) {
            live.delete(deletedUpstream.id(), Instant.now()).get(30, TimeUnit.SECONDS);
        }
        Cli.Result migrated = Cli.migrate(stack, dataDir, "--source", "mem0-es:" + stack.elasticsearchUrl() + "/" + source,
                "--model", MODEL_B, "--alias", alias, "--layout", "mem0");
        assertThat(migrated.exitCode()).as(migrated.out() + migrated.err()).isZero();

        List<StoredMemory> kept = new ArrayList<>(written.memories());
        kept.remove(deletedUpstream);
        try (ServeInProcess serveB = new ServeInProcess(MODEL_B)) {
            Mem0App appB = new Mem0App(stack.elasticsearchUrl(), alias, serveB.baseUrl(), "model-b", serveB.dims(), work);
            appB.check(Mem0App.Check.of(kept)
                            .absent(List.of(deletedUpstream.id()))
                            .entities(written.entities())
                            .mutate(kept.get(1), "Prefers jasmine tea over coffee, with honey", kept.get(2), "bob",
                                    "Bob started learning the Sicilian Defence from a coach in Montreal"))
                    .assertGetVerbatim()
                    .assertEachFoundFirstByItsOwnText()
                    .assertGetAllPerUserIsExactly()
                    .assertAbsent()
                    .assertEntitiesPresentAndSearchable()
                    .assertMutationsWork();
        }
    }
}
