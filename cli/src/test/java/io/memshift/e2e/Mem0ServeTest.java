package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.model.embedding.EmbeddingModel;
import io.memshift.e2e.Mem0App.NewMemory;
import io.memshift.e2e.Mem0App.StoredMemory;
import io.memshift.embedded.EmbeddedStackExtension;
import io.memshift.embedded.StackEndpoints;
import io.memshift.reembedder.EmbeddingModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Mem0 client (npm mem0ai, TypeScript SDK, its Elasticsearch store) embedding through {@code memshift
 * serve}: Mem0 writes memories for two users, entities linked, into a fresh collection on the test stack's
 * Elasticsearch, and reads every one back through its own API. This proves serve, the harness and Mem0 together;
 * the migration between models is {@code Mem0DropInTest}.
 */
@ExtendWith(EmbeddedStackExtension.class)
class Mem0ServeTest {

    private static final String MODEL = "onnx:all-minilm-l6-v2";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** Fifteen memories for each of two users; some carry custom metadata, as Mem0 apps' do. */
    static List<NewMemory> memories() {
        String[] alice = {
                "Alice moved to Lisbon in 2021 and works remotely for Siemens in Berlin",
                "Prefers green tea over coffee, no sugar",
                "Is allergic to peanuts and carries an EpiPen",
                "Her daughter Maya started school at Escola Alemã in September",
                "Runs the Lisbon half marathon every March",
                "Reads science fiction, favourite author is Ursula K. Le Guin",
                "Drives a blue Renault Zoe and charges it at home",
                "Learning Portuguese with a tutor on Tuesday evenings",
                "Wants to visit Kyoto during the cherry blossom season",
                "Her manager at Siemens is Jonas Weber",
                "Keeps a sourdough starter called Bubbles",
                "Plays the cello in an amateur orchestra",
                "Vegetarian since 2015, eats fish occasionally",
                "Birthday is on the 14th of February",
                "Uses Python and Rust at work, dislikes Java build tools",
        };
        String[] bob = {
                "Bob plays chess online every night, rated 1850 on Lichess",
                "Lives in Toronto with two cats named Pixel and Byte",
                "Works as a nurse at Toronto General Hospital on night shifts",
                "Is training for his first triathlon in Muskoka next summer",
                "Collects vinyl records of 1970s jazz, especially Miles Davis",
                "Cannot eat gluten because of coeliac disease",
                "His sister Clara lives in Vancouver and is a marine biologist",
                "Brews his own IPA in the garage",
                "Planning a road trip along the Cabot Trail in October",
                "Speaks French and is learning Japanese on Duolingo",
                "Prefers window seats and always flies Air Canada",
                "Volunteers at the Daily Bread Food Bank on Saturdays",
                "Watches every Toronto Raptors home game",
                "Had knee surgery in 2022 and does physiotherapy weekly",
                "Wants to adopt a rescue greyhound next year",
        };
        List<NewMemory> memories = new ArrayList<>();
        for (int i = 0; i < alice.length; i++) {
            memories.add(new NewMemory("alice", alice[i],
                    i % 3 == 0 ? Mem0App.metadata("category", "profile", "source", "onboarding", "priority", i) : null, true));
            memories.add(new NewMemory("bob", bob[i], i % 4 == 0 ? Mem0App.metadata("category", "hobby", "pinned", true) : null, true));
        }
        return memories;
    }

    @TempDir
    Path work;

    @Test
    void aRealMem0AppWritesThroughServeAndFindsEveryMemoryByItsOwnText(StackEndpoints stack) throws Exception {
        Mem0App.harness(); // skips here, before a model is loaded, if Node or Mem0's client is missing
        String collection = "mem0_serve_" + UUID.randomUUID().toString().substring(0, 8);
        List<NewMemory> memories = memories();
        try (ServeInProcess serve = new ServeInProcess(MODEL)) {
            // Mem0 sends the model name its config holds; serve answers with its own model whatever the name.
            Mem0App app = new Mem0App(stack.elasticsearchUrl(), collection, serve.baseUrl(), "text-embedding-3-small",
                    serve.dims(), work);

            long writeStart = System.nanoTime();
            Mem0App.Written written = app.write(memories);
            System.out.printf("Mem0 wrote %d memories (entities linked) in %.1f s%n", memories.size(),
                    (System.nanoTime() - writeStart) / 1e9);

            assertThat(written.lost()).as("memories Mem0 reported written but cannot read").isEmpty();
            assertThat(written.memories()).extracting(StoredMemory::id).doesNotHaveDuplicates().hasSize(memories.size());
            assertThat(written.entities()).as("entities Mem0 linked").isNotEmpty();

            // What Mem0 stored is the model's own vector for the text, bit for bit, through JSON in Node and back.
            EmbeddingModel model = EmbeddingModels.profile(MODEL).factory().get();
            for (StoredMemory memory : written.memories()) {
                float[] stored = storedVector(stack, collection, memory.id());
                assertThat(stored).as("vector Mem0 stored for %s", memory.id())
                        .containsExactly(model.embed(memory.text()).content().vector());
            }

            StoredMemory updated = written.memories().get(1);
            StoredMemory deleted = written.memories().get(2);
            long checkStart = System.nanoTime();
            Mem0App.Report report = app.check(Mem0App.Check.of(written.memories())
                    .absent(List.of(UUID.randomUUID().toString()))
                    .entities(written.entities())
                    .mutate(updated, "Prefers jasmine tea over coffee, with honey", deleted, "bob",
                            "Bob started learning the Sicilian Defence from a coach in Montreal"));
            System.out.printf("Mem0 read back %d memories and %d entities, then updated, deleted and added, in %.1f s%n",
                    memories.size(), written.entities().size(), (System.nanoTime() - checkStart) / 1e9);

            report.assertGetVerbatim()
                    .assertEachFoundFirstByItsOwnText()
                    .assertGetAllPerUserIsExactly()
                    .assertAbsent()
                    .assertEntitiesPresentAndSearchable()
                    .assertMutationsWork();
        }
    }

    private static float[] storedVector(StackEndpoints stack, String index, String id) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create(stack.elasticsearchUrl() + "/" + index + "/_doc/" + id)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode vector = Mem0App.JSON.readTree(response.body()).at("/_source/vector");
        float[] floats = new float[vector.size()];
        for (int i = 0; i < floats.length; i++) {
            floats[i] = Float.parseFloat(vector.get(i).decimalValue().toString());
        }
        return floats;
    }
}
