package io.memshift.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Each kind of HTTP credentials becomes the header its server expects, and describes itself without the secret. */
@Tag("fast")
class HttpAuthTest {

    @Test
    void basicAuthIsUserColonPasswordInBase64() {
        HttpAuth auth = new HttpAuth.Basic("memshift", Secret.given("pa:ss", "env:PW"));

        assertThat(auth.authorizationHeader()).contains("Basic " + base64("memshift:pa:ss"));
        assertThat(auth.describe()).isEqualTo("user memshift (password from env:PW)");
        assertThat(auth.toString()).doesNotContain("pa:ss");
    }

    @Test
    void confluentUserInfoSplitsAtTheFirstColon() {
        HttpAuth.Basic auth = HttpAuth.Basic.fromUserInfo(Secret.given("KEY123:se:cret", "file:/run/sr"));

        assertThat(auth.user()).isEqualTo("KEY123");
        assertThat(auth.password().reveal()).isEqualTo("se:cret");
        assertThatThrownBy(() -> HttpAuth.Basic.fromUserInfo(Secret.given("nocolon", "env:X")))
                .hasMessageContaining("user:password").hasMessageNotContaining("nocolon");
    }

    @Test
    void anApiKeyIsSentEncodedWhetherGivenEncodedOrAsIdColonKey() {
        String encoded = base64("VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw");

        assertThat(new HttpAuth.ApiKey(Secret.given(encoded, "env:K")).authorizationHeader()).contains("ApiKey " + encoded);
        assertThat(new HttpAuth.ApiKey(Secret.given("VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw", "env:K"))
                .authorizationHeader()).contains("ApiKey " + encoded);
    }

    @Test
    void aBearerTokenIsSentAsIs() {
        HttpAuth auth = new HttpAuth.Bearer(Secret.given("tok.en", "env:T"));

        assertThat(auth.authorizationHeader()).contains("Bearer tok.en");
        assertThat(auth.describe()).doesNotContain("tok.en");
        assertThat(HttpAuth.NONE.authorizationHeader()).isEmpty();
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
