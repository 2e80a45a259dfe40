package io.memshift.clients;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Where an Elasticsearch cluster is and how to reach it: its URL (or an Elastic Cloud id, which names it), the
 * credentials every request carries (API key, user and password, or bearer token), and which certificates to
 * trust (a CA file or a fingerprint). Used for the migration's target and for Mem0's own store read by
 * {@code mem0-es:} alike. {@link #toString()} shows no secret.
 *
 * @param url  {@code http(s)://host:port}, with a path prefix if the cluster sits behind one; a
 *             {@code user:password@} in it becomes {@link HttpAuth.Basic} credentials
 * @param auth the credentials; {@link HttpAuth#NONE} for a cluster without security
 * @param tls  the certificates trusted over https
 */
public record ElasticsearchSettings(String url, HttpAuth auth, TlsTrust tls) {

    public ElasticsearchSettings {
        HttpEndpoint endpoint = HttpEndpoint.parse(url, "Elasticsearch");
        if (!(endpoint.auth() instanceof HttpAuth.None)) {
            if (auth != null && !(auth instanceof HttpAuth.None)) {
                throw new IllegalArgumentException("Elasticsearch's URL carries a user and password, and credentials"
                        + " are given besides; give them once");
            }
            auth = endpoint.auth();
        }
        url = endpoint.url();
        auth = auth == null ? HttpAuth.NONE : auth;
        tls = tls == null ? TlsTrust.SYSTEM : tls;
    }

    /** A cluster without security. */
    public static ElasticsearchSettings of(String url) {
        return new ElasticsearchSettings(url, HttpAuth.NONE, TlsTrust.SYSTEM);
    }

    public ElasticsearchSettings withUrl(String newUrl) {
        return new ElasticsearchSettings(newUrl, auth, tls);
    }

    /**
     * The URL of an Elastic Cloud deployment from its cloud id, {@code <name>:<base64 of
     * "host[:port]$es-uuid$kibana-uuid">}, as the Elastic Cloud console shows it: {@code https://<es-uuid>.<host>:<port>}
     * (443 unless the id says otherwise).
     */
    public static String urlOfCloudId(String cloudId) {
        if (cloudId == null || cloudId.isBlank()) {
            throw new IllegalArgumentException("an Elastic Cloud id is <name>:<base64>, and this one is empty");
        }
        String encoded = cloudId.strip();
        int colon = encoded.indexOf(':');
        if (colon >= 0) {
            encoded = encoded.substring(colon + 1);
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the Elastic Cloud id is not <name>:<base64>: its second part is not"
                    + " base64");
        }
        String[] parts = decoded.split("\\$");
        if (parts.length < 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new IllegalArgumentException("the Elastic Cloud id does not decode to host$es-uuid[$kibana-uuid]");
        }
        String host = parts[0];
        String port = "443";
        int portColon = host.lastIndexOf(':');
        if (portColon > 0) {
            port = host.substring(portColon + 1);
            host = host.substring(0, portColon);
        }
        return "https://" + parts[1] + "." + host + ":" + port;
    }

    /** What {@code memshift check} and error messages say: the URL, the credentials' kind and origin, the trust. */
    public String describe() {
        return url + " (" + auth.describe() + (url.startsWith("https:") ? ", trusting " + tls.describe() : "") + ")";
    }
}
