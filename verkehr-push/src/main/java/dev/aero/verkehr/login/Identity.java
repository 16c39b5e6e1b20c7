package dev.aero.verkehr.login;

import dev.aero.common.ssmp.SsmpSyntax;
import java.math.BigInteger;

import dev.aero.common.id.DID;
import dev.aero.common.id.UserID;

/**
 * Who a connection logged in as.
 *
 * @param id the SSMP id ({@code .} for anonymous)
 * @param scheme {@code cert}, {@code secret} or {@code open}
 * @param device the certificate's device, for {@code cert} logins with a device certificate
 * @param user the certificate's user, for {@code cert} logins with a device certificate
 * @param serial the client certificate's serial, for {@code cert} logins; revocation closes the connection
 */
public record Identity(String id, String scheme, DID device, UserID user, BigInteger serial) {

    public static final String CERT = SsmpSyntax.SCHEME_CERT;
    public static final String SECRET = SsmpSyntax.SCHEME_SECRET;
    public static final String OPEN = SsmpSyntax.SCHEME_OPEN;

    public boolean anonymous() {
        return ".".equals(id);
    }

    /** Services (secret) and development logins (open) are trusted with every topic. */
    public boolean trusted() {
        return SECRET.equals(scheme) || OPEN.equals(scheme);
    }
}
