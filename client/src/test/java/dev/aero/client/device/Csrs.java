package dev.aero.client.device;

import java.io.StringReader;

import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/** Reads a PEM CSR back with Bouncy Castle, as SP does. */
public final class Csrs {

    private Csrs() {
    }

    public static PKCS10CertificationRequest parse(String pem) throws Exception {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object parsed = parser.readObject();
            if (!(parsed instanceof PKCS10CertificationRequest csr)) {
                throw new IllegalArgumentException("not a certification request: " + parsed);
            }
            return csr;
        }
    }
}
