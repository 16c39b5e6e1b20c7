package dev.aero.common.auth;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

import dev.aero.common.id.DID;
import dev.aero.common.id.InvalidIdentifierException;
import dev.aero.common.id.UserID;

/**
 * Who a device certificate speaks for: the device id in the subject CN and the user id in the
 * single rfc822Name subject alternative name. Both must be in canonical form exactly as the
 * platform CA writes them; this class checks identity only, not the chain, expiry or
 * revocation.
 */
public record CertificateIdentity(DID device, UserID user) {

    private static final int SAN_RFC822_NAME = 1;

    public static CertificateIdentity of(X509Certificate certificate) {
        if (certificate == null) {
            throw new InvalidCertificateIdentityException("no certificate");
        }
        String cn = singleCommonName(certificate.getSubjectX500Principal());
        String san = singleRfc822Name(certificate);
        try {
            return new CertificateIdentity(DID.of(cn), new UserID(san));
        } catch (InvalidIdentifierException e) {
            throw new InvalidCertificateIdentityException("certificate identity rejected: " + e.getMessage());
        }
    }

    private static String singleCommonName(X500Principal subject) {
        List<String> cns = new ArrayList<>();
        try {
            for (Rdn rdn : new LdapName(subject.getName(X500Principal.RFC2253)).getRdns()) {
                if ("CN".equalsIgnoreCase(rdn.getType())) {
                    cns.add(String.valueOf(rdn.getValue()));
                }
            }
        } catch (InvalidNameException e) {
            throw new InvalidCertificateIdentityException("unreadable certificate subject");
        }
        if (cns.size() != 1) {
            throw new InvalidCertificateIdentityException("certificate subject must hold exactly one CN, found " + cns.size());
        }
        return cns.get(0);
    }

    private static String singleRfc822Name(X509Certificate certificate) {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            throw new InvalidCertificateIdentityException("unreadable subject alternative names");
        }
        List<String> emails = new ArrayList<>();
        if (names != null) {
            for (List<?> name : names) {
                if (name.size() >= 2 && Integer.valueOf(SAN_RFC822_NAME).equals(name.get(0))) {
                    emails.add(String.valueOf(name.get(1)));
                }
            }
        }
        if (emails.size() != 1) {
            throw new InvalidCertificateIdentityException("certificate must hold exactly one rfc822Name, found " + emails.size());
        }
        return emails.get(0);
    }
}
