package io.memshift.clients;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * An HTTP cluster's base URL, checked once: http or https, a host, no query, and no user or password in it. A URL
 * that carries {@code user:password@} (a common way to write a registry's basic auth) is split here into the
 * address and {@link HttpAuth.Basic} credentials, so that the address can be printed and the password cannot.
 *
 * @param url  the base URL without user info and without a trailing slash
 * @param auth the credentials the URL carried, or {@link HttpAuth#NONE}
 */
record HttpEndpoint(String url, HttpAuth auth) {

    static HttpEndpoint parse(String text, String what) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(what + " needs a URL (http(s)://host:port[/path])");
        }
        URI uri;
        String given = text.strip();
        try {
            // host:port alone is http, as Elasticsearch's own clients read it.
            uri = URI.create(given.contains("://") ? given : "http://" + given);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " is not a URL: '" + redact(text) + "'");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException(what + " must be an http:// or https:// URL, not '" + redact(text) + "'");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException(what + " has no host: '" + redact(text) + "'");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException(what + " must be a base URL without ?query or #fragment: '" + redact(text) + "'");
        }
        HttpAuth auth = HttpAuth.NONE;
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException(what + " has a user but no password in its URL; give both as"
                        + " user:password@, or the credentials on their own");
            }
            auth = new HttpAuth.Basic(URLDecoder.decode(userInfo.substring(0, colon), StandardCharsets.UTF_8),
                    Secret.given(URLDecoder.decode(userInfo.substring(colon + 1), StandardCharsets.UTF_8),
                            "the user info of " + what + "'s URL"));
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        String url = scheme + "://" + (uri.getHost().contains(":") && !uri.getHost().startsWith("[")
                ? "[" + uri.getHost() + "]" : uri.getHost()) + (uri.getPort() < 0 ? "" : ":" + uri.getPort()) + path;
        return new HttpEndpoint(url, auth);
    }

    /** A URL as it may be shown: without what stands before '@' in its authority. */
    static String redact(String text) {
        int scheme = text.indexOf("://");
        int at = text.indexOf('@', scheme < 0 ? 0 : scheme + 3);
        int slash = text.indexOf('/', scheme < 0 ? 0 : scheme + 3);
        if (at < 0 || (slash >= 0 && at > slash)) {
            return text;
        }
        return (scheme < 0 ? "" : text.substring(0, scheme + 3)) + "***@" + text.substring(at + 1);
    }
}
