package io.memshift.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PipelineTest {

    private static final String MODEL = "onnx:bge-small-en-v15";

    @Test
    void theMemoriesPipelineKeepsThePrePipelineTopicNames() {
        Pipeline legacy = Pipeline.named("memories");
        assertThat(legacy.log()).isEqualTo(Topics.MEMORIES);
        assertThat(legacy.embedded(MODEL, 1)).isEqualTo(Topics.embeddedTopicName(MODEL, 1));
        assertThat(legacy.embedded(MODEL, 3)).isEqualTo(Topics.embeddedTopicName(MODEL, 3));
        assertThat(legacy.embedDeadLetters(MODEL)).isEqualTo(Topics.embedDeadLetterTopicName(MODEL));
        assertThat(legacy.rejected()).isEqualTo(Topics.REJECTED);
        assertThat(legacy.intake()).isEqualTo("memories.intake");
    }

    @Test
    void aNamedPipelinesTopicsAreAllUnderItsLog() {
        Pipeline shop = Pipeline.named("shop-eu");
        assertThat(shop.log()).isEqualTo("memories.shop-eu");
        assertThat(shop.intake()).isEqualTo("memories.shop-eu.intake");
        assertThat(shop.embedded(MODEL, 1)).isEqualTo("memories.shop-eu.embedded.onnx-bge-small-en-v15");
        assertThat(shop.embedded(MODEL, 2)).isEqualTo("memories.shop-eu.embedded.onnx-bge-small-en-v15.g2");
        assertThat(shop.embedDeadLetters(MODEL)).isEqualTo("memories.shop-eu.dlq.onnx-bge-small-en-v15");
        assertThat(shop.rejected()).isEqualTo("memories.shop-eu.rejected");
        assertThat(shop.gateApplicationId()).isEqualTo("memshift-gate-memories.shop-eu");
    }

    @Test
    void theLogNamesItsPipelineBack() {
        assertThat(Pipeline.ofLog("memories")).isEqualTo(Pipeline.named("memories"));
        assertThat(Pipeline.ofLog("memories.shop-eu")).isEqualTo(Pipeline.named("shop-eu"));
        // A topic given with --topic before pipelines existed is a pipeline of its own, named by the topic.
        assertThat(Pipeline.ofLog("tenant-a.memories")).isEqualTo(new Pipeline("tenant-a.memories", "tenant-a.memories"));
        assertThat(Pipeline.ofLog("memories.embedded.x").name()).isEqualTo("memories.embedded.x");
        assertThat(Pipeline.isNamedLog("memories.shop-eu")).isTrue();
        assertThat(Pipeline.isNamedLog("memories")).isTrue();
        for (String other : new String[] {"memories.rejected", "memories.intake", "memories.embedded.onnx-x",
                "memories.shop-eu.intake", "memories.dlq.onnx-x", "memories.import-dlq.idx", "tenant-a.memories"}) {
            assertThat(Pipeline.isNamedLog(other)).as(other).isFalse();
        }
    }

    @Test
    void anEmbeddedTopicNamesThePipelineThatFillsIt() {
        Pipeline shop = Pipeline.named("shop-eu");
        assertThat(Pipeline.ofEmbeddedTopic(shop.embedded(MODEL, 4))).hasValue(shop);
        assertThat(Pipeline.ofEmbeddedTopic(Topics.embeddedTopicName(MODEL))).hasValue(Pipeline.named("memories"));
        assertThat(Pipeline.ofEmbeddedTopic("memories")).isEmpty();
    }

    @Test
    void aStoreNameBecomesAStableSlug() {
        assertThat(Pipeline.slug("mem0-export")).isEqualTo("mem0-export");
        assertThat(Pipeline.slug("Shop EU.Prod")).isEqualTo("shop-eu-prod");
        assertThat(Pipeline.slug("api.mem0.ai")).isEqualTo("api-mem0-ai");
        assertThat(Pipeline.slug("__weird__")).isEqualTo("weird");
        assertThat(Pipeline.slug("...")).isEqualTo("store");
        assertThat(Pipeline.slug("rejected")).isEqualTo("rejected-store");
        assertThat(Pipeline.slug("x".repeat(80))).hasSize(60);
        assertThat(Pipeline.slug("Shop EU.Prod")).isEqualTo(Pipeline.slug("Shop EU.Prod"));
        Pipeline.requireValidName(Pipeline.slug("Ünïcode Store"));
    }

    @Test
    void badNamesAreRefusedSayingWhy() {
        assertThatThrownBy(() -> Pipeline.named("Shop")).hasMessageContaining("lower-case");
        assertThatThrownBy(() -> Pipeline.named("a.b")).hasMessageContaining("'a.b'");
        assertThatThrownBy(() -> Pipeline.named("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Pipeline.named("-x")).hasMessageContaining("starting with");
        assertThatThrownBy(() -> Pipeline.named("intake")).hasMessageContaining("reserved");
    }
}
