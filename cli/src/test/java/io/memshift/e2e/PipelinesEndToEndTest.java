package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two stores migrated one after the other with default flags each get a pipeline of their own: two logs, two
 * indices, each index exactly its store. A third store that only shares a file name with the first is refused
 * until the user says which pipeline it belongs to.
 */
@ExtendWith(EmbeddedStackExtension.class)
class PipelinesEndToEndTest {

    private static final String MODEL = "onnx:all-minilm-l6-v2-q";
    private static final String SLUG = "onnx-all-minilm-l6-v2-q";

    @TempDir
    Path dir;

    @Test
    void twoStoresWithDefaultFlagsFillTwoIndicesEachExactlyItsStore(StackEndpoints stack) throws Exception {
        // Names of this run's own: the stack is shared with the other tests of this JVM.
        String run = UUID.randomUUID().toString().substring(0, 6);
        String shop = "shop-" + run;
        String crm = "crm-" + run;
        List<String> shopIds = Stores.ids(shop, 30);
        List<String> crmIds = Stores.ids(crm, 45);
        Path shopStore = Stores.write(dir.resolve("a").resolve(shop + ".jsonl"), shopIds, Instant.parse("2025-01-10T10:00:00Z"));
        Path crmStore = Stores.write(dir.resolve("b").resolve(crm + ".jsonl"), crmIds, Instant.parse("2025-01-11T10:00:00Z"));

        try {
            migrateBoth(stack, run, shop, crm, shopIds, crmIds, shopStore, crmStore);
        } finally {
            // This test's first store may have taken the default alias (if it was free): remove it, so that the
            // other tests' migrations of the sample find it as on a fresh cluster.
            IndexContents.removeAlias(stack, "memories", "memories." + shop + "." + SLUG + "-1");
        }
    }

    private void migrateBoth(StackEndpoints stack, String run, String shop, String crm, List<String> shopIds,
                             List<String> crmIds, Path shopStore, Path crmStore) throws Exception {
        Cli.Result first = Cli.migrate(stack, dir.resolve("data"), "--source", "jsonl:" + shopStore, "--model", MODEL);
        assertThat(first.exitCode()).as(first.out() + first.err()).isZero();
        String shopIndex = "memories." + shop + "." + SLUG + "-1";
        assertThat(first.out()).contains("Pipeline " + shop).contains("memories." + shop).contains(shopIndex);
        Set<String> aliasAfterShop = IndexContents.aliasTargets(stack, "memories");

        Cli.Result second = Cli.migrate(stack, dir.resolve("data"), "--source", "jsonl:" + crmStore, "--model", MODEL);
        assertThat(second.exitCode()).as(second.out() + second.err()).isZero();
        String crmIndex = "memories." + crm + "." + SLUG + "-1";

        assertThat(IndexContents.liveIds(stack, shopIndex)).isEqualTo(Stores.set(shopIds));
        assertThat(IndexContents.documents(stack, shopIndex)).hasSize(shopIds.size());
        assertThat(IndexContents.liveIds(stack, crmIndex)).isEqualTo(Stores.set(crmIds));
        assertThat(IndexContents.documents(stack, crmIndex)).hasSize(crmIds.size());
        // The default alias serves one store: the second store's migration leaves it where the first put it,
        // and says so.
        assertThat(IndexContents.aliasTargets(stack, "memories")).isEqualTo(aliasAfterShop).doesNotContain(crmIndex);
        assertThat(second.out()).contains("Alias memories serves pipeline").contains("left as it is")
                .contains("--alias <name>");

        // Its own alias, given.
        String crmAlias = "crm-memories-" + run;
        Cli.Result named = Cli.migrate(stack, dir.resolve("data"), "--source", "jsonl:" + crmStore, "--model", MODEL,
                "--alias", crmAlias);
        assertThat(named.exitCode()).as(named.out() + named.err()).isZero();
        assertThat(IndexContents.aliasTargets(stack, crmAlias)).containsExactly(crmIndex);

        Cli.Result listed = Cli.run("pipelines", "--bootstrap-servers", stack.bootstrapServers(),
                "--schema-registry", stack.schemaRegistryUrl(), "--es", stack.elasticsearchUrl());
        assertThat(listed.exitCode()).as(listed.out() + listed.err()).isZero();
        assertThat(listed.out()).contains("pipeline " + shop).contains("pipeline " + crm)
                .contains("jsonl:" + shopStore.toAbsolutePath()).contains("jsonl:" + crmStore.toAbsolutePath())
                .contains(SLUG + " (generations 1)").contains(shopIndex).contains(crmIndex)
                .contains(crmIndex + " <- " + crmAlias);

        // Another store that only shares the first one's file name: refused, nothing published, until named.
        Path lookalike = Stores.write(dir.resolve("c").resolve(shop + ".jsonl"), Stores.ids("other-" + run, 5),
                Instant.parse("2025-01-12T10:00:00Z"));
        Cli.Result refused = Cli.migrate(stack, dir.resolve("data"), "--source", "jsonl:" + lookalike, "--model", MODEL);
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).contains("pipeline '" + shop + "'").contains("--pipeline " + shop)
                .contains("--pipeline <name>");
        assertThat(IndexContents.liveIds(stack, shopIndex)).isEqualTo(Stores.set(shopIds));

        Cli.Result apart = Cli.migrate(stack, dir.resolve("data"), "--source", "jsonl:" + lookalike, "--model", MODEL,
                "--pipeline", "other-" + run, "--no-cutover");
        assertThat(apart.exitCode()).as(apart.out() + apart.err()).isZero();
        assertThat(IndexContents.liveIds(stack, "memories.other-" + run + "." + SLUG + "-1"))
                .isEqualTo(Stores.set(Stores.ids("other-" + run, 5)));
        assertThat(IndexContents.liveIds(stack, shopIndex)).isEqualTo(Stores.set(shopIds));
    }
}
