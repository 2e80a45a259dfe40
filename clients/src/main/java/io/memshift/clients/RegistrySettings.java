package io.memshift.clients;

import java.net.http.HttpClient;
import java.time.Duration;

/**
 * Where a Confluent-API schema registry is and how to reach it: its base URL, the credentials every request
 * carries (basic auth as Confluent's {@code basic.auth.user.info}, or a bearer token), and which certificates to
 * trust. {@link #toString()} shows no secret.
 *
 * @param url  base URL of the Confluent REST API (for Apicurio, {@code .../apis/ccompat/v7}); a
 *             {@code user:password@} in it becomes {@link HttpAuth.Basic} credentials
 * @param auth the credentials; {@link HttpAuth#NONE} for an open registry
 * @param tls  the certificates trusted over https
 */
public record RegistrySettings(String url, HttpAuth auth, TlsTrust tls) {

    public RegistrySettings {
        HttpEndpoint endpoint = HttpEndpoint.parse(url, "the schema registry");
        if (!(endpoint.auth() instanceof HttpAuth.None)) {
            if (auth != null && !(auth instanceof HttpAuth.None)) {
                throw new IllegalArgumentException("the schema registry's URL carries a user and password, and"
                        + " credentials are given besides; give them once");
            }
            auth = endpoint.auth();
        }
        url = endpoint.url();
        auth = auth == null ? HttpAuth.NONE : auth;
        tls = tls == null ? TlsTrust.SYSTEM : tls;
    }

    /** An open registry: no credentials, the JVM's trusted CAs. */
    public static RegistrySettings of(String url) {
        return new RegistrySettings(url, HttpAuth.NONE, TlsTrust.SYSTEM);
    }

    public RegistrySettings withUrl(String newUrl) {
        return new RegistrySettings(newUrl, auth, tls);
    }

    /** An HTTP client that trusts what {@link #tls()} says; the caller adds {@link #auth()}'s header. */
    public HttpClient httpClient(Duration connectTimeout) {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(connectTimeout);
        if (url.startsWith("https:")) {
            builder.sslContext(tls.sslContext());
        }
        return builder.build();
    }

    /** What {@code memshift check} and error messages say: the URL, the credentials' kind and origin, the trust. */
    public String describe() {
        return url + " (" + auth.describe() + (url.startsWith("https:") ? ", trusting " + tls.describe() : "") + ")";
    }
}
