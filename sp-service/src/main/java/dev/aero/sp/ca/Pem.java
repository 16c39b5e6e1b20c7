package dev.aero.sp.ca;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

/** PEM text of certificates and keys, as the API and the key files carry them. */
final class Pem {

    private Pem() {
    }

    static String encode(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(out)) {
            pem.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
