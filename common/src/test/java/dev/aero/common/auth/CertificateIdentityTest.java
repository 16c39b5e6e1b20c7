package dev.aero.common.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.aero.common.id.DID;
import dev.aero.common.id.UserID;

class CertificateIdentityTest {

    private static final String DEVICE = "00112233445566778899aabbccddeeff";
    private static KeyPair keys;

    @BeforeAll
    static void keys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        keys = generator.generateKeyPair();
    }

    @Test
    void deviceComesFromTheCommonNameAndUserFromTheRfc822Name() throws Exception {
        X509Certificate cert = certificate("CN=" + DEVICE + ",O=Aero", List.of(
                new GeneralName(GeneralName.dNSName, "device.example.com"),
                new GeneralName(GeneralName.rfc822Name, "alice@example.com")));
        CertificateIdentity identity = CertificateIdentity.of(cert);
        assertThat(identity.device()).isEqualTo(DID.of(DEVICE));
        assertThat(identity.user()).isEqualTo(UserID.of("alice@example.com"));
    }

    @Test
    void teamServerUserIsAccepted() throws Exception {
        X509Certificate cert = certificate("CN=" + DEVICE, List.of(new GeneralName(GeneralName.rfc822Name, ":2a")));
        assertThat(CertificateIdentity.of(cert).user().isTeamServer()).isTrue();
    }

    @Test
    void commonNameThatIsNotADeviceIdIsRejected() throws Exception {
        X509Certificate cert = certificate("CN=alice", List.of(new GeneralName(GeneralName.rfc822Name, "alice@example.com")));
        assertThatThrownBy(() -> CertificateIdentity.of(cert))
                .isInstanceOf(InvalidCertificateIdentityException.class).hasMessageContaining("'alice'");
    }

    @Test
    void upperCaseDeviceIdIsRejected() throws Exception {
        X509Certificate cert = certificate("CN=" + DEVICE.toUpperCase(), List.of(new GeneralName(GeneralName.rfc822Name, "a@example.com")));
        assertThatThrownBy(() -> CertificateIdentity.of(cert)).isInstanceOf(InvalidCertificateIdentityException.class);
    }

    @Test
    void twoCommonNamesAreRejected() throws Exception {
        X509Certificate cert = certificate("CN=" + DEVICE + ",CN=ffeeddccbbaa99887766554433221100",
                List.of(new GeneralName(GeneralName.rfc822Name, "alice@example.com")));
        assertThatThrownBy(() -> CertificateIdentity.of(cert)).hasMessageContaining("exactly one CN");
    }

    @Test
    void missingOrRepeatedRfc822NameIsRejected() throws Exception {
        X509Certificate none = certificate("CN=" + DEVICE, List.of(new GeneralName(GeneralName.dNSName, "x.example.com")));
        assertThatThrownBy(() -> CertificateIdentity.of(none)).hasMessageContaining("found 0");
        X509Certificate noSan = certificate("CN=" + DEVICE, List.of());
        assertThatThrownBy(() -> CertificateIdentity.of(noSan)).hasMessageContaining("found 0");
        X509Certificate two = certificate("CN=" + DEVICE, List.of(
                new GeneralName(GeneralName.rfc822Name, "alice@example.com"),
                new GeneralName(GeneralName.rfc822Name, "mallory@example.com")));
        assertThatThrownBy(() -> CertificateIdentity.of(two)).hasMessageContaining("found 2");
    }

    @Test
    void nonCanonicalUserIdIsRejected() throws Exception {
        X509Certificate cert = certificate("CN=" + DEVICE, List.of(new GeneralName(GeneralName.rfc822Name, "Alice@Example.com")));
        assertThatThrownBy(() -> CertificateIdentity.of(cert)).isInstanceOf(InvalidCertificateIdentityException.class);
    }

    private static X509Certificate certificate(String subject, List<GeneralName> altNames) throws Exception {
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name("CN=Test CA"),
                BigInteger.valueOf(now.toEpochMilli()), Date.from(now), Date.from(now.plus(Duration.ofDays(1))),
                new X500Name(subject), keys.getPublic());
        if (!altNames.isEmpty()) {
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(altNames.toArray(GeneralName[]::new)));
        }
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
    }
}
