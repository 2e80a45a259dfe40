package io.memshift.schemas;

/**
 * Mem0's naming rule for its entity store (v3): the entities of a collection live in a sibling collection named
 * {@code <collection>_entities} (an Elasticsearch index or alias, a Qdrant collection). memshift keeps the rule for
 * what it makes: the entities of index {@code I} go to {@code I_entities}, and alias {@code A}'s entities are
 * reached through alias {@code A_entities}, so a Mem0 app configured with collection {@code A} finds both.
 */
public final class Mem0Entities {

    public static final String SUFFIX = "_entities";

    private Mem0Entities() {
    }

    /** The entity store beside collection, index or alias {@code name}. */
    public static String storeOf(String name) {
        return name + SUFFIX;
    }

    /** True for a name that follows the rule: an entity store (never read as memories). */
    public static boolean isStore(String name) {
        return name.endsWith(SUFFIX);
    }
}
