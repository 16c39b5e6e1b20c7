package dev.aero.verkehr.login;

import dev.aero.common.ssmp.SsmpLines;
import dev.aero.common.ssmp.SsmpRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

import dev.aero.common.ssmp.SsmpSyntax;
import dev.aero.common.auth.CertificateIdentity;
import dev.aero.common.auth.InvalidCertificateIdentityException;

/**
 * The LOGIN schemes. {@code cert}: the TLS client certificate (already chained to the platform CA
 * by the handshake) must not be revoked, and the id must be its CN or a SAN, or one of those
 * followed by {@code /} and more. {@code secret}: the credential is the deployment secret.
 * {@code open}: no credential, only when enabled.
 */
public final class Authenticator {

    private final byte[] secretDigest;
    private final boolean openLogin;
    private final Predicate<X509Certificate> revoked;
    private final byte[] unauthorizedLine;

    public Authenticator(String deploymentSecret, boolean openLogin, Predicate<X509Certificate> revoked) {
        this.secretDigest = deploymentSecret == null || deploymentSecret.isEmpty() ? null : sha256(deploymentSecret.getBytes(StandardCharsets.UTF_8));
        this.openLogin = openLogin;
        this.revoked = revoked;
        List<String> schemes = new ArrayList<>(List.of(Identity.CERT));
        if (secretDigest != null) {
            schemes.add(Identity.SECRET);
        }
        if (openLogin) {
            schemes.add(Identity.OPEN);
        }
        this.unauthorizedLine = SsmpLines.unauthorized(String.join(" ", schemes));
    }

    /** {@code 401 <schemes>}. */
    public byte[] unauthorizedLine() {
        return unauthorizedLine;
    }

    /** The identity of a LOGIN, or null when it is refused. */
    public Identity authenticate(SsmpRequest login, X509Certificate peer) {
        String id = login.target();
        byte[] credential = login.payload();
        return switch (login.scheme()) {
            case Identity.CERT -> credential == null ? certificate(id, peer) : null;
            case Identity.SECRET -> secret(id, credential);
            case Identity.OPEN -> openLogin && credential == null ? new Identity(id, Identity.OPEN, null, null, null) : null;
            default -> null;
        };
    }

    private Identity secret(String id, byte[] credential) {
        if (secretDigest == null || credential == null) {
            return null;
        }
        byte[] given = sha256(SsmpSyntax.fromWireForm(credential));
        return MessageDigest.isEqual(given, secretDigest) ? new Identity(id, Identity.SECRET, null, null, null) : null;
    }

    private Identity certificate(String id, X509Certificate peer) {
        if (peer == null || revoked.test(peer)) {
            return null;
        }
        Set<String> names = names(peer);
        String base = id;
        int slash = id.indexOf('/');
        if (!names.contains(id)) {
            if (slash <= 0 || slash == id.length() - 1) {
                return null;
            }
            base = id.substring(0, slash);
            if (!names.contains(base)) {
                return null;
            }
        }
        try {
            CertificateIdentity device = CertificateIdentity.of(peer);
            return new Identity(id, Identity.CERT, device.device(), device.user(), peer.getSerialNumber());
        } catch (InvalidCertificateIdentityException e) {
            // A certificate that is not a device certificate (a service's): the id rules still hold.
            return new Identity(id, Identity.CERT, null, null, peer.getSerialNumber());
        }
    }

    /** The CN and the DNS and rfc822 SANs. */
    static Set<String> names(X509Certificate certificate) {
        java.util.HashSet<String> names = new java.util.HashSet<>();
        try {
            for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName(X500Principal.RFC2253)).getRdns()) {
                if ("CN".equalsIgnoreCase(rdn.getType())) {
                    names.add(String.valueOf(rdn.getValue()));
                }
            }
        } catch (InvalidNameException e) {
            // No usable subject: the SANs may still name the holder.
        }
        try {
            Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (san.size() == 2 && san.get(0) instanceof Integer type && (type == 1 || type == 2)
                            && san.get(1) instanceof String value) {
                        names.add(value);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // Without readable SANs only the CN counts.
        }
        return names;
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
