package io.memshift.control;

import io.memshift.clients.KafkaClients;
import io.memshift.schemas.Topics;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;

/**
 * Re-embedding generations: generation 1 is a model's first run; a replay starts the next one, with an
 * application id and an output topic of its own. Which generations exist is read from the output topics, whose
 * names {@link Topics#embeddedTopicName(String, String, int)} builds and {@link Topics#embeddedTopicGeneration}
 * parses.
 */
public final class Generations {

    private Generations() {
    }

    /**
     * The generation a re-embedder run uses: {@code generation} if given, the one after the latest if
     * {@code replay}, else 1.
     */
    public static int choose(Clusters clusters, String inputTopic, String modelId, boolean replay, Integer generation) {
        if (replay && generation != null) {
            throw new InvalidRequestException("give --replay (next generation) or --generation N, not both");
        }
        return generation != null ? generation : replay ? latest(clusters, inputTopic, modelId) + 1 : 1;
    }

    /** The highest generation whose output topic exists (0 if none). */
    public static int latest(Clusters clusters, String inputTopic, String modelId) {
        Set<String> topics;
        try (Admin admin = new KafkaClients(clusters.kafka()).admin()) {
            topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new MigrationFailedException("cannot list topics: " + e.getMessage(), e);
        }
        return latest(topics, inputTopic, modelId);
    }

    static int latest(Set<String> topics, String inputTopic, String modelId) {
        int latest = 0;
        for (String topic : topics) {
            OptionalInt generation = Topics.embeddedTopicGeneration(topic, inputTopic, modelId);
            if (generation.isPresent()) {
                latest = Math.max(latest, generation.getAsInt());
            }
        }
        return latest;
    }
}
