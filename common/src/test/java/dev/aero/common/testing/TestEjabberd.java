package dev.aero.common.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

import org.junit.jupiter.api.Assumptions;

import dev.aero.common.xmpp.XmppJwtKey;

/**
 * The real ejabberd node tests use, as {@code ./aero test} starts and names it: its c2s port
 * (STARTTLS required, with the node's self-signed bootstrap certificate), its admin API, its
 * domain, the key devices' tokens are signed with, and the bridge's account.
 * When none is named the test fails under {@code CI=true} or
 * {@code AERO_TEST_REQUIRE_SERVICES=true}, and is skipped otherwise.
 */
public record TestEjabberd(String host, int port, URI apiUrl, String domain, Path caFile, XmppJwtKey jwtKey, String bridgeUser,
        String bridgePassword, Path ctl) {

    public static final String HOST = "AERO_TEST_EJABBERD_HOST";
    public static final String PORT = "AERO_TEST_EJABBERD_PORT";
    public static final String API_URL = "AERO_TEST_EJABBERD_API_URL";
    public static final String DOMAIN = "AERO_TEST_XMPP_DOMAIN";
    public static final String CA_FILE = "AERO_TEST_EJABBERD_CA_FILE";
    public static final String JWT_KEY_FILE = "AERO_TEST_XMPP_JWT_KEY_FILE";
    public static final String BRIDGE_USER = "AERO_TEST_XMPP_BRIDGE_USER";
    public static final String BRIDGE_PASSWORD_FILE = "AERO_TEST_XMPP_BRIDGE_PASSWORD_FILE";
    /** Optional: the node's ejabberdctl (tests that restart the node need it). */
    public static final String CTL = "AERO_TEST_EJABBERD_CTL";

    private static TestEjabberd found;
    private static RuntimeException failure;

    /** The named node; skips the calling test when none is named and services are not required. */
    public static synchronized TestEjabberd get() {
        if (found == null && failure == null) {
            try {
                found = find(System.getenv());
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        if (failure != null) {
            if (failure instanceof ServiceUnavailableException && !TestServices.required()) {
                Assumptions.abort(failure.getMessage());
            }
            throw failure;
        }
        return found;
    }

    static TestEjabberd find(Map<String, String> env) {
        String host = env.get(HOST);
        if (host == null || host.isBlank()) {
            throw new ServiceUnavailableException("No ejabberd for tests: " + HOST + " is not set (./aero test starts one and sets it).");
        }
        for (String name : new String[] { PORT, API_URL, DOMAIN, CA_FILE, JWT_KEY_FILE, BRIDGE_USER, BRIDGE_PASSWORD_FILE }) {
            if (env.get(name) == null || env.get(name).isBlank()) {
                throw new IllegalStateException(HOST + " is set but " + name + " is not; run the tests with ./aero test");
            }
        }
        int port = Integer.parseInt(env.get(PORT));
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress(host, port), 5000);
        } catch (IOException e) {
            throw new ServiceUnavailableException("ejabberd at " + host + ":" + port + " (from " + PORT + ") cannot be reached: "
                    + e.getMessage() + ". Run ./aero test, which starts it.", e);
        }
        try {
            return new TestEjabberd(host, port, URI.create(env.get(API_URL)), env.get(DOMAIN), Path.of(env.get(CA_FILE)),
                    XmppJwtKey.read(Path.of(env.get(JWT_KEY_FILE))), env.get(BRIDGE_USER),
                    Files.readString(Path.of(env.get(BRIDGE_PASSWORD_FILE)), StandardCharsets.US_ASCII).strip(),
                    env.get(CTL) == null || env.get(CTL).isBlank() ? null : Path.of(env.get(CTL)));
        } catch (IOException e) {
            throw new IllegalStateException("the ejabberd test node's files cannot be read: " + e.getMessage(), e);
        }
    }

    /** The MUC service of the node's domain. */
    public String mucService() {
        return "c." + domain;
    }

    /** The bridge's bare JID. */
    public String bridgeJid() {
        return bridgeUser + "@" + domain;
    }

    /** Trusts the node's certificate only. */
    public X509TrustManager trustManager() {
        try (InputStream in = Files.newInputStream(caFile)) {
            X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            store.setCertificateEntry("ejabberd", ca);
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return (X509TrustManager) factory.getTrustManagers()[0];
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot trust " + caFile + ": " + e.getMessage(), e);
        }
    }

    /** A TLS context that trusts the node's certificate only. */
    public SSLContext sslContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new javax.net.ssl.TrustManager[] { trustManager() }, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
