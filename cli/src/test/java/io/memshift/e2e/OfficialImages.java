package io.memshift.e2e;

/**
 * The official images the Testcontainers tests run memshift against: those of docker/compose.yml, so that what
 * the tests prove holds for the compose stack users start ({@code OfficialImagesTest} fails when the two differ).
 */
final class OfficialImages {

    static final String KAFKA = "apache/kafka:4.1.1";
    static final String SCHEMA_REGISTRY = "confluentinc/cp-schema-registry:8.1.1";
    static final String ELASTICSEARCH = "docker.elastic.co/elasticsearch/elasticsearch:8.19.21";

    private OfficialImages() {
    }
}
