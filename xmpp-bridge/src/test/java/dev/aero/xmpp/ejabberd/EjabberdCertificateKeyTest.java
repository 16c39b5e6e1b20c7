package dev.aero.xmpp.ejabberd;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.junit.jupiter.api.Test;

/** The key ejabberd gets carries its public key (ejabberd matches key and certificate by it; the JDK leaves it out). */
class EjabberdCertificateKeyTest {

    @Test
    void anEcKeyIsWrittenWithItsPublicKeyAndStillReadsAsTheSameKey() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = generator.generateKeyPair();
        assertThat(org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(PrivateKeyInfo.getInstance(pair.getPrivate().getEncoded())
                .parsePrivateKey()).getPublicKey()).as("what the JDK writes").isNull();

        byte[] written = EjabberdCertificate.withPublicKey(pair.getPrivate(), pair.getPublic());
        var sec1 = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(PrivateKeyInfo.getInstance(written).parsePrivateKey());
        assertThat(sec1.getPublicKey().getBytes())
                .isEqualTo(SubjectPublicKeyInfo.getInstance(pair.getPublic().getEncoded()).getPublicKeyData().getBytes());
        var read = (java.security.interfaces.ECPrivateKey) KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(written));
        assertThat(read.getS()).isEqualTo(((java.security.interfaces.ECPrivateKey) pair.getPrivate()).getS());
    }
}
