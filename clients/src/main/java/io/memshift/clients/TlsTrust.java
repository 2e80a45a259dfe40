package io.memshift.clients;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Which server certificates an HTTPS connection to a cluster accepts: the JVM's trusted CAs (the default), the
 * CA certificates of a PEM file (a private CA, Elasticsearch's {@code http_ca.crt}), or a certificate whose
 * SHA-256 fingerprint is known (what Elasticsearch prints at its first start). Host names are checked in every
 * case; there is no way to turn checking off.
 *
 * @param caFile        a PEM file of one or more CA certificates, or null
 * @param caFingerprint a certificate's SHA-256 fingerprint in hex (colons and case do not matter), or null
 */
public record TlsTrust(Path caFile, String caFingerprint) {

    public static final TlsTrust SYSTEM = new TlsTrust(null, null);
    private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{64}");

    public TlsTrust {
        if (caFile != null && caFingerprint != null) {
            throw new IllegalArgumentException("give a CA file or a CA fingerprint, not both");
        }
        if (caFingerprint != null) {
            caFingerprint = caFingerprint.replace(":", "").strip().toLowerCase(Locale.ROOT);
            if (!FINGERPRINT.matcher(caFingerprint).matches()) {
                throw new IllegalArgumentException("a CA fingerprint is the certificate's SHA-256 in hex, 64 digits"
                        + " (colons allowed), as Elasticsearch prints it");
            }
        }
    }

    public static TlsTrust caFile(Path file) {
        return new TlsTrust(file, null);
    }

    public static TlsTrust fingerprint(String sha256) {
        return new TlsTrust(null, sha256);
    }

    /** What is trusted, for messages. */
    public String describe() {
        if (caFile != null) {
            return "the CA in " + caFile;
        }
        return caFingerprint != null ? "the certificate with SHA-256 fingerprint " + caFingerprint : "the JVM's trusted CAs";
    }

    /** The TLS context for connections that trust what this says. */
    public SSLContext sslContext() {
        try {
            if (caFile == null && caFingerprint == null) {
                return SSLContext.getDefault();
            }
            TrustManager trust = caFile != null ? caTrust(caFile) : new FingerprintTrust(caFingerprint, defaultTrust());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trust}, new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS trusting " + describe() + ": " + e.getMessage(), e);
        }
    }

    private static X509ExtendedTrustManager caTrust(Path file) throws GeneralSecurityException {
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(file)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the CA file " + file + ": " + e.getMessage(), e);
        } catch (CertificateException e) {
            throw new IllegalArgumentException("the CA file " + file + " holds no PEM certificate: " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("the CA file " + file + " holds no certificate");
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        int n = 0;
        for (Certificate certificate : certificates) {
            store.setCertificateEntry("ca-" + n++, certificate);
        }
        return trustOf(store);
    }

    private static X509ExtendedTrustManager defaultTrust() throws GeneralSecurityException {
        return trustOf(null);
    }

    private static X509ExtendedTrustManager trustOf(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509ExtendedTrustManager extended) {
                return extended;
            }
        }
        throw new GeneralSecurityException("no X.509 trust manager in this JVM");
    }

    /** The SHA-256 fingerprint of a certificate, lower-case hex without colons. */
    public static String fingerprintOf(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Trusts a server whose chain holds the pinned certificate (its own, or a CA's it is issued under): that
     * certificate becomes the one trust anchor of the JVM's own PKIX checks, which then validate the chain up to
     * it and the host name, exactly as for a CA file.
     */
    private static final class FingerprintTrust extends X509ExtendedTrustManager {
        private final String fingerprint;
        private final X509ExtendedTrustManager system;
        private volatile X509ExtendedTrustManager anchored;

        FingerprintTrust(String fingerprint, X509ExtendedTrustManager system) {
            this.fingerprint = fingerprint;
            this.system = system;
        }

        private X509ExtendedTrustManager anchoredOn(X509Certificate[] chain) throws CertificateException {
            X509ExtendedTrustManager known = anchored;
            if (known != null) {
                return known;
            }
            if (chain == null || chain.length == 0) {
                throw new CertificateException("the server sent no certificate");
            }
            for (X509Certificate certificate : chain) {
                if (fingerprintOf(certificate).equals(fingerprint)) {
                    try {
                        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                        store.load(null, null);
                        store.setCertificateEntry("pinned", certificate);
                        anchored = trustOf(store);
                        return anchored;
                    } catch (GeneralSecurityException | IOException e) {
                        throw new CertificateException("cannot trust the pinned certificate: " + e.getMessage(), e);
                    }
                }
            }
            throw new CertificateException("no certificate of the server's chain has the configured SHA-256"
                    + " fingerprint " + fingerprint + " (the server's own is " + fingerprintOf(chain[0]) + ")");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            anchoredOn(chain).checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            anchoredOn(chain).checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            anchoredOn(chain).checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            system.checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            system.checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            system.checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
