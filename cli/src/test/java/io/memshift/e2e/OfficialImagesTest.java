package io.memshift.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The images the Testcontainers tests use are those docker/compose.yml starts, service by service. */
class OfficialImagesTest {

    /** A service of the compose file's {@code services:} block (two spaces in), and an image line within it. */
    private static final Pattern SERVICE = Pattern.compile("^  ([a-z][a-z0-9_-]*):\\s*$");
    private static final Pattern IMAGE = Pattern.compile("^    image:\\s*(\\S+)\\s*$");

    @Test
    void theTestcontainersImagesAreThoseOfTheComposeFile() throws Exception {
        Path compose = Path.of(System.getProperty("basedir", "."), "..", "docker", "compose.yml").normalize();
        assertThat(imagesByService(Files.readAllLines(compose)))
                .as("images of %s (change OfficialImages with them)", compose)
                .containsEntry("kafka", OfficialImages.KAFKA)
                .containsEntry("schema-registry", OfficialImages.SCHEMA_REGISTRY)
                .containsEntry("elasticsearch", OfficialImages.ELASTICSEARCH);
    }

    private static Map<String, String> imagesByService(List<String> lines) {
        Map<String, String> images = new TreeMap<>();
        boolean inServices = false;
        String service = null;
        for (String line : lines) {
            if (!line.isBlank() && !line.startsWith(" ") && !line.startsWith("#")) {
                inServices = line.equals("services:");
                service = null;
                continue;
            }
            Matcher serviceLine = SERVICE.matcher(line);
            Matcher imageLine = IMAGE.matcher(line);
            if (inServices && serviceLine.matches()) {
                service = serviceLine.group(1);
            } else if (service != null && imageLine.matches()) {
                images.put(service, imageLine.group(1));
            }
        }
        return images;
    }
}
