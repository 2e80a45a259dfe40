package io.memshift.clients;

import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * What went wrong with a connection, in words a user can act on: "its certificate is not trusted" names what was
 * trusted, rather than leaving them to decode "PKIX path building failed". Messages of the JDK's TLS errors hold
 * no secrets (they name certificates, hosts and algorithms), so they are kept as the detail.
 */
public final class TlsProblems {

    private TlsProblems() {
    }

    /** {@code error}'s cause as a short phrase, naming {@code trust} when the server's certificate was refused. */
    public static String describe(Throwable error, TlsTrust trust) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof CertificateException || (t instanceof SSLHandshakeException
                    && String.valueOf(t.getMessage()).contains("certification path"))) {
                return "its TLS certificate is not trusted (trusting " + trust.describe() + "): " + t.getMessage();
            }
            if (t instanceof SSLException) {
                return "TLS failed: " + t.getMessage();
            }
        }
        return error.getClass().getSimpleName() + (error.getMessage() == null ? "" : ": " + error.getMessage());
    }

    /** True if {@code error} was caused by a TLS failure (certificate, handshake). */
    public static boolean isTls(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SSLException || t instanceof CertificateException) {
                return true;
            }
        }
        return false;
    }
}
