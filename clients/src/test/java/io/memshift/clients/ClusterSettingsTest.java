package io.memshift.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The HTTP clusters' settings: URLs checked once, credentials out of URLs, Elastic Cloud ids, fingerprints. */
@Tag("fast")
class ClusterSettingsTest {

    @Test
    void aUserAndPasswordInAUrlBecomeCredentialsAndLeaveTheUrl() {
        RegistrySettings registry = RegistrySettings.of("https://sr-user:p%40ss@registry.example:8081/apis/ccompat/v7/");

        assertThat(registry.url()).isEqualTo("https://registry.example:8081/apis/ccompat/v7");
        assertThat(registry.auth()).isInstanceOf(HttpAuth.Basic.class);
        assertThat(((HttpAuth.Basic) registry.auth()).password().reveal()).isEqualTo("p@ss");
        assertThat(registry.toString()).doesNotContain("p@ss").doesNotContain("p%40ss");
        assertThat(registry.describe()).isEqualTo("https://registry.example:8081/apis/ccompat/v7 (user sr-user"
                + " (password from the user info of the schema registry's URL), trusting the JVM's trusted CAs)");
    }

    @Test
    void aBadUrlIsRefusedWithoutItsPassword() {
        assertThatThrownBy(() -> ElasticsearchSettings.of("ftp://elastic:topsecret@es:9200"))
                .hasMessageContaining("http:// or https://").hasMessageNotContaining("topsecret");
        assertThatThrownBy(() -> ElasticsearchSettings.of("https://es:9200/?pretty"))
                .hasMessageContaining("without ?query");
    }

    @Test
    void anElasticCloudIdNamesItsDeployment() {
        String id = "my-deployment:" + base64("eu-west-1.aws.found.io$4fa8821e75634032bed1cf22110e2f97$4fa8821e75634032bed1cf22110e2f96");
        String withPort = "x:" + base64("us-central1.gcp.cloud.es.io:9243$abc$def");

        assertThat(ElasticsearchSettings.urlOfCloudId(id))
                .isEqualTo("https://4fa8821e75634032bed1cf22110e2f97.eu-west-1.aws.found.io:443");
        assertThat(ElasticsearchSettings.urlOfCloudId(withPort)).isEqualTo("https://abc.us-central1.gcp.cloud.es.io:9243");
        assertThatThrownBy(() -> ElasticsearchSettings.urlOfCloudId("name:%%%")).hasMessageContaining("base64");
        assertThatThrownBy(() -> ElasticsearchSettings.urlOfCloudId("name:" + base64("onlyhost")))
                .hasMessageContaining("host$es-uuid");
    }

    @Test
    void aFingerprintIsNormalisedAndChecked() {
        String colons = "A1:B2:C3:D4:E5:F6:07:18:29:3A:4B:5C:6D:7E:8F:90:A1:B2:C3:D4:E5:F6:07:18:29:3A:4B:5C:6D:7E:8F:90";

        assertThat(TlsTrust.fingerprint(colons).caFingerprint())
                .isEqualTo("a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90");
        assertThatThrownBy(() -> TlsTrust.fingerprint("abc")).hasMessageContaining("64 digits");
    }

    @Test
    void topicSettingsRefuseAMinimumAboveTheReplicas() {
        assertThat(new TopicSettings(6, (short) 3, 2).config()).containsEntry("min.insync.replicas", "2");
        assertThatThrownBy(() -> new TopicSettings(6, (short) 2, 3)).hasMessageContaining("above the replication");
        assertThatThrownBy(() -> new TopicSettings(0, null, null)).hasMessageContaining("at least 1 partition");
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
