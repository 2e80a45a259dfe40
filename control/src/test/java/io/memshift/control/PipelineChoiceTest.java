package io.memshift.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.memshift.schemas.Pipeline;
import io.memshift.clients.TopicSettings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class PipelineChoiceTest {

    private static final String STORE_A = "mem0-json:/data/a/mem0-export.json";
    private static final String STORE_B = "mem0-json:/data/b/mem0-export.json";

    private static PipelineRegistry.Entry entry(String name, String... sources) {
        return new PipelineRegistry.Entry(Pipeline.named(name), List.of(sources), TopicSettings.DEFAULT);
    }

    @Test
    void aStoreWithoutAPipelineGetsOneNamedAfterIt() {
        PipelineRegistry.Entry chosen = PipelineChoice.forSource(Map.of(), STORE_A, "mem0-export", null, null,
                new TopicSettings(6, (short) 3, null));
        assertThat(chosen.pipeline()).isEqualTo(Pipeline.named("mem0-export"));
        assertThat(chosen.pipeline().log()).isEqualTo("memories.mem0-export");
        assertThat(chosen.sources()).containsExactly(STORE_A);
        assertThat(chosen.topics()).isEqualTo(new TopicSettings(6, (short) 3, null));
    }

    @Test
    void theSameStoreAgainUsesItsPipelineAsRecorded() {
        Map<String, PipelineRegistry.Entry> known = Map.of("mem0-export", entry("mem0-export", STORE_A));
        PipelineRegistry.Entry chosen = PipelineChoice.forSource(known, STORE_A, "mem0-export", null, null,
                new TopicSettings(12, null, null));
        assertThat(chosen).isEqualTo(known.get("mem0-export"));
    }

    @Test
    void anotherStoreOfTheSameNameIsRefusedUntilTheUserSaysWhichPipeline() {
        Map<String, PipelineRegistry.Entry> known = Map.of("mem0-export", entry("mem0-export", STORE_A));
        assertThatThrownBy(() -> PipelineChoice.forSource(known, STORE_B, "mem0-export", null, null,
                TopicSettings.DEFAULT))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("holds the log of " + STORE_A)
                .hasMessageContaining("give --pipeline mem0-export")
                .hasMessageContaining("--pipeline <name>");

        PipelineRegistry.Entry same = PipelineChoice.forSource(known, STORE_B, "mem0-export", "mem0-export", null,
                TopicSettings.DEFAULT);
        assertThat(same.sources()).containsExactly(STORE_A, STORE_B);
        PipelineRegistry.Entry apart = PipelineChoice.forSource(known, STORE_B, "mem0-export", "store-b", null,
                TopicSettings.DEFAULT);
        assertThat(apart.pipeline().log()).isEqualTo("memories.store-b");
        assertThat(apart.sources()).containsExactly(STORE_B);
    }

    @Test
    void aTopicNamesThePipelineWhoseLogItIs() {
        assertThat(PipelineChoice.forSource(Map.of(), STORE_A, "mem0-export", null, "memories", TopicSettings.DEFAULT)
                .pipeline()).isEqualTo(Pipeline.named("memories"));
        assertThat(PipelineChoice.forSource(Map.of(), STORE_A, "mem0-export", null, "staging", TopicSettings.DEFAULT)
                .pipeline().log()).isEqualTo("staging");
        assertThatThrownBy(() -> PipelineChoice.forSource(Map.of(), STORE_A, "x", "a", "b", TopicSettings.DEFAULT))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("not both");
        assertThatThrownBy(() -> PipelineChoice.forSource(Map.of(), STORE_A, "x", "Bad Name", null,
                TopicSettings.DEFAULT)).isInstanceOf(InvalidRequestException.class).hasMessageContaining("lower-case");
    }

    @Test
    void aStageWithoutASourceServesTheOnlyPipelineOrIsToldWhich() {
        Map<String, PipelineRegistry.Entry> one = Map.of("shop", entry("shop", STORE_A));
        assertThat(PipelineChoice.forStage(one, false, null, null)).isEqualTo(Pipeline.named("shop"));
        assertThat(PipelineChoice.forStage(Map.of(), true, null, null)).isEqualTo(Pipeline.named("memories"));
        assertThat(PipelineChoice.forStage(one, true, "shop", null)).isEqualTo(Pipeline.named("shop"));
        assertThat(PipelineChoice.forStage(one, true, null, "memories")).isEqualTo(Pipeline.named("memories"));
        assertThatThrownBy(() -> PipelineChoice.forStage(one, true, null, null))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("2 pipelines (memories, shop)").hasMessageContaining("--pipeline <name>");
        assertThatThrownBy(() -> PipelineChoice.forStage(Map.of(), false, null, null))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("no pipeline yet");
    }

    @Test
    void theDefaultAliasIsTakenOnlyFromThisPipelineOrThePrePipelineLog() {
        Pipeline shop = Pipeline.named("shop");
        assertThat(PipelineChoice.mayTakeDefaultAlias(shop, List.of())).as("a new alias").isTrue();
        assertThat(PipelineChoice.mayTakeDefaultAlias(shop, List.of(shop))).as("its own index").isTrue();
        assertThat(PipelineChoice.mayTakeDefaultAlias(shop, List.of(Pipeline.named("memories"))))
                .as("an index of earlier versions' one log").isTrue();
        assertThat(PipelineChoice.mayTakeDefaultAlias(shop, List.of(Pipeline.named("crm")))).isFalse();
        assertThat(PipelineChoice.mayTakeDefaultAlias(shop, List.of(shop, Pipeline.named("crm")))).isFalse();
    }
}
