package io.memshift.clients;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * How memshift proves who it is to an HTTP cluster (Elasticsearch, the schema registry): the value of the
 * {@code Authorization} header it sends with every request, built from a {@link Secret}. Each kind's
 * {@link #describe()} says what is used, never the secret.
 */
public sealed interface HttpAuth {

    HttpAuth NONE = new None();

    /** The header value, or empty for no authentication. */
    Optional<String> authorizationHeader();

    /** What is sent, for messages and {@code memshift check}: kind, user, and where the secret came from. */
    String describe();

    /** No credentials (a cluster without security). */
    record None() implements HttpAuth {
        @Override
        public Optional<String> authorizationHeader() {
            return Optional.empty();
        }

        @Override
        public String describe() {
            return "no credentials";
        }
    }

    /** A user and password (Elasticsearch's native users; a registry's basic auth). */
    record Basic(String user, Secret password) implements HttpAuth {
        public Basic {
            if (user == null || user.isEmpty() || user.indexOf(':') >= 0) {
                throw new IllegalArgumentException("a basic-auth user name must be non-empty and without ':'");
            }
        }

        /**
         * Confluent's {@code basic.auth.user.info} form: one secret holding {@code user:password}, split at its
         * first colon.
         */
        public static Basic fromUserInfo(Secret userInfo) {
            String text = userInfo.reveal();
            int colon = text.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("the basic-auth user info from " + userInfo.origin()
                        + " must be user:password");
            }
            return new Basic(text.substring(0, colon),
                    Secret.given(text.substring(colon + 1), userInfo.origin()));
        }

        @Override
        public Optional<String> authorizationHeader() {
            return Optional.of("Basic " + Base64.getEncoder().encodeToString(
                    (user + ":" + password.reveal()).getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public String describe() {
            return "user " + user + " (password from " + password.origin() + ")";
        }
    }

    /** A bearer token (an OAuth access token, an Elasticsearch service-account token). */
    record Bearer(Secret token) implements HttpAuth {
        @Override
        public Optional<String> authorizationHeader() {
            return Optional.of("Bearer " + token.reveal());
        }

        @Override
        public String describe() {
            return "bearer token from " + token.origin();
        }
    }

    /**
     * An Elasticsearch API key: the base64 {@code encoded} form Elasticsearch hands out, or {@code id:api_key},
     * which is encoded here.
     */
    record ApiKey(Secret key) implements HttpAuth {
        @Override
        public Optional<String> authorizationHeader() {
            String value = key.reveal();
            String encoded = value.indexOf(':') > 0
                    ? Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)) : value;
            return Optional.of("ApiKey " + encoded);
        }

        @Override
        public String describe() {
            return "API key from " + key.origin();
        }
    }
}
