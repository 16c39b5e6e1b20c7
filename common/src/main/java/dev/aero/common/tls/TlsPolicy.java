package dev.aero.common.tls;

import java.util.List;

/**
 * What every TLS listener of the platform accepts (SP's, command-server's and devman's device
 * HTTPS, verkehr's SSMP): TLS 1.3, preferred, and TLS 1.2; nothing older. Ciphers are named:
 * TLS 1.3's three suites, and for TLS 1.2 only ephemeral ECDH key exchange with AEAD ciphers
 * (forward secrecy; no CBC, no RSA key exchange, no SHA-1 MACs), the server's order first.
 */
public final class TlsPolicy {

    /** Highest first. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** JSSE names (Tomcat and Netty map them to OpenSSL's), in the server's order of preference. */
    public static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private TlsPolicy() {
    }
}
