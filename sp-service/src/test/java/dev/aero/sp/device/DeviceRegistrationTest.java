package dev.aero.sp.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;

import dev.aero.client.device.DeviceKeys;
import dev.aero.client.device.Pem;
import dev.aero.client.sp.AuditEvent;
import dev.aero.client.sp.Device;
import dev.aero.client.sp.RegisterDevice;
import dev.aero.client.sp.SpApiException;
import dev.aero.client.sp.TeamServerCertificate;
import dev.aero.common.auth.CertificateIdentity;
import dev.aero.common.id.DID;
import dev.aero.sp.SpServiceTest;
import dev.aero.sp.SpTestSupport;

@SpServiceTest
class DeviceRegistrationTest extends SpTestSupport {

    @Test
    void registrationReturnsADeviceCertificateSignedByThePlatformCa() throws Exception {
        Account owner = member("owner");
        RegisteredDevice device = register(owner);
        X509Certificate cert = Pem.parseCertificate(device.certificate().certificate());
        X509Certificate ca = Pem.parseCertificate(anonymous().caCertificatePem());

        assertThat(device.certificate().deviceId()).isEqualTo(device.id());
        assertThat(Pem.parseCertificate(device.certificate().caCertificate())).isEqualTo(ca);
        cert.verify(ca.getPublicKey());
        assertThat(cert.getIssuerX500Principal()).isEqualTo(ca.getSubjectX500Principal());
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=" + device.id().hex());
        CertificateIdentity identity = CertificateIdentity.of(cert);
        assertThat(identity.device()).isEqualTo(device.id());
        assertThat(identity.user().value()).isEqualTo(owner.email());
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(cert.getBasicConstraints()).isEqualTo(-1);
        assertThat(cert.getPublicKey()).isEqualTo(device.keys().keyPair().getPublic());
        Duration validity = Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant());
        assertThat(validity).isBetween(Duration.ofDays(365), Duration.ofDays(365).plusMinutes(10));
        assertThat(cert.getNotAfter().toInstant()).isAfter(Instant.now().plus(Duration.ofDays(364)));

        BigInteger serial = cert.getSerialNumber();
        assertThat(serial.signum()).isPositive();
        assertThat(serial.bitLength()).isLessThanOrEqualTo(63);
        assertThat(jdbc.queryForObject("SELECT device_id FROM device_certificates WHERE serial = ?", String.class,
                serial.longValueExact())).isEqualTo(device.id().hex());
    }

    @Test
    void serialsAreUniqueAndRandom() throws Exception {
        Account owner = member("serials");
        List<BigInteger> serials = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            serials.add(Pem.parseCertificate(register(owner).certificate().certificate()).getSerialNumber());
        }
        assertThat(serials).doesNotHaveDuplicates();
        assertThat(serials.stream().map(BigInteger::bitLength)).anyMatch(bits -> bits > 50);
    }

    @Test
    void rsa2048KeysAreAccepted() {
        Account owner = member("rsa");
        DID id = DID.random();
        var cert = owner.client().registerDevice(
                new RegisterDevice(DeviceKeys.generateRsa(2048).certificationRequestPem(id), "box", "Windows", "Windows 11"));
        assertThat(cert.deviceId()).isEqualTo(id);
    }

    @Test
    void csrWhoseCnIsNotTheGivenDeviceIdIsRefused() {
        Account owner = member("mismatch");
        String csr = DeviceKeys.generate().certificationRequestPem(DID.random());
        int devices = count("devices");
        SpApiException e = problem(() -> owner.client().registerDevice(new RegisterDevice(csr, "x", "Linux", "Arch", DID.random())));
        assertProblem(e, 400, "csr-subject-invalid");
        assertThat(count("devices")).isEqualTo(devices);
    }

    @Test
    void csrWhoseCnIsNotADeviceIdIsRefused() throws Exception {
        Account owner = member("notadid");
        String csr = csr(new X500Name("CN=not-a-device-id"), "secp256r1");
        assertProblem(problem(() -> owner.client().registerDevice(new RegisterDevice(csr, "x", "Linux", "Arch"))), 400,
                "csr-subject-invalid");
        String extra = csr(new X500Name("CN=" + DID.random().hex() + ",O=Evil"), "secp256r1");
        assertProblem(problem(() -> owner.client().registerDevice(new RegisterDevice(extra, "x", "Linux", "Arch"))), 400,
                "csr-subject-invalid");
    }

    @Test
    void csrWithABadSignatureIsRefused() {
        Account owner = member("badsig");
        String good = DeviceKeys.generate().certificationRequestPem(DID.random());
        byte[] der = Base64.getMimeDecoder().decode(good.replaceAll("-----[A-Z ]+-----", "").strip());
        der[der.length - 5] ^= 0x01; // inside the signature
        String tampered = "-----BEGIN CERTIFICATE REQUEST-----\n" + Base64.getMimeEncoder().encodeToString(der)
                + "\n-----END CERTIFICATE REQUEST-----\n";
        int devices = count("devices");
        SpApiException e = problem(() -> owner.client().registerDevice(new RegisterDevice(tampered, "x", "Linux", "Arch")));
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.type()).isIn("urn:aero:problem:csr-signature-invalid", "urn:aero:problem:csr-malformed");
        assertThat(count("devices")).isEqualTo(devices);
    }

    @Test
    void csrSignedByAnotherKeyIsRefused() throws Exception {
        Account owner = member("otherkey");
        DID id = DID.random();
        var kpg = KeyPairGenerator.getInstance("EC");
        kpg.initialize(new ECGenParameterSpec("secp256r1"));
        var subjectKey = kpg.generateKeyPair();
        var signingKey = kpg.generateKeyPair();
        PKCS10CertificationRequest request = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + id.hex()),
                subjectKey.getPublic()).build(new JcaContentSignerBuilder("SHA256withECDSA").build(signingKey.getPrivate()));
        String pem = pem(request);
        assertProblem(problem(() -> owner.client().registerDevice(new RegisterDevice(pem, "x", "Linux", "Arch"))), 400,
                "csr-signature-invalid");
    }

    @Test
    void weakOrUnsupportedKeysAreRefused() throws Exception {
        Account owner = member("weak");
        String rsa1024 = DeviceKeys.generateRsa(1024).certificationRequestPem(DID.random());
        SpApiException e = problem(() -> owner.client().registerDevice(new RegisterDevice(rsa1024, "x", "Linux", "Arch")));
        assertProblem(e, 400, "csr-weak-key");
        assertThat(e.detail()).contains("1024");
        String p384 = csr(new X500Name("CN=" + DID.random().hex()), "secp384r1");
        assertProblem(problem(() -> owner.client().registerDevice(new RegisterDevice(p384, "x", "Linux", "Arch"))), 400,
                "csr-weak-key");
    }

    @Test
    void malformedCsrIsRefused() {
        Account owner = member("malformed");
        for (String bad : List.of("hello", "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
                anonymous().caCertificatePem())) {
            assertProblem(problem(() -> owner.client().registerDevice(new RegisterDevice(bad, "x", "Linux", "Arch"))), 400,
                    "csr-malformed");
        }
    }

    /** The requests CsrFuzzTest found, which were answered 500 (its inputs, read as the JSON body carries them). */
    @Test
    void csrsTheFuzzerFoundAreRefusedWith400() throws Exception {
        Account owner = member("fuzzed");
        String base = "/dev/aero/sp/ca/CsrFuzzTestInputs/csrsParseOrAreRefused/";
        for (String[] found : new String[][] { { "cn-not-utf8", "csr-subject-invalid" }, { "subject-tagged-object", "csr-malformed" } }) {
            String csr;
            try (java.io.InputStream in = getClass().getResourceAsStream(base + found[0])) {
                csr = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
            }
            assertProblem(problem(() -> owner.client().registerDevice(new RegisterDevice(csr, "x", "Linux", "Arch"))), 400, found[1]);
        }
    }

    @Test
    void aDeviceIdOwnedByAnotherUserIsRefused() {
        Account first = member("first");
        Account second = member("second");
        RegisteredDevice device = register(first);
        String again = DeviceKeys.generate().certificationRequestPem(device.id());
        SpApiException e = problem(() -> second.client().registerDevice(new RegisterDevice(again, "x", "Linux", "Arch")));
        assertProblem(e, 409, "device-owned-elsewhere");
        assertProblem(problem(() -> first.client().registerDevice(new RegisterDevice(again, "x", "Linux", "Arch"))), 409,
                "device-exists");
    }

    @Test
    void ownerListsRenamesAndUnlinksDevices() {
        Account owner = member("lister");
        RegisteredDevice a = register(owner);
        RegisteredDevice b = register(owner);
        assertThat(owner.client().devices()).as("%s", jdbc.queryForList("SELECT id, CAST(registered_at AS CHAR) FROM devices WHERE owner_id = ?", owner.email())).extracting(Device::deviceId).containsExactlyInAnyOrder(a.id(), b.id());

        Device renamed = owner.client().renameDevice(a.id(), "work laptop");
        assertThat(renamed.name()).isEqualTo("work laptop");
        assertThat(owner.client().device(a.id()).name()).isEqualTo("work laptop");
        assertThat(owner.client().device(a.id()).certificateSerial()).isNotBlank();

        owner.client().unlinkDevice(b.id(), false);
        assertThat(owner.client().devices()).extracting(Device::deviceId).containsExactly(a.id());
        assertProblem(problem(() -> owner.client().device(b.id())), 404, "device-not-found");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM device_certificates WHERE device_id = ? AND revoked_at IS NULL",
                Integer.class, b.id().hex())).isZero();
        String reuse = DeviceKeys.generate().certificationRequestPem(b.id());
        assertProblem(problem(() -> owner.client().registerDevice(new RegisterDevice(reuse, "x", "Linux", "Arch"))), 409,
                "device-exists");
    }

    @Test
    void anotherUsersDevicesAreInvisibleAndUntouchable() {
        Account owner = member("victim");
        Account other = member("snoop");
        RegisteredDevice device = register(owner);
        assertThat(other.client().devices()).isEmpty();
        assertProblem(problem(() -> other.client().device(device.id())), 404, "device-not-found");
        assertProblem(problem(() -> other.client().renameDevice(device.id(), "pwned")), 404, "device-not-found");
        assertProblem(problem(() -> other.client().unlinkDevice(device.id(), true)), 404, "device-not-found");
        assertThat(owner.client().device(device.id()).name()).isEqualTo("laptop");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM device_certificates WHERE device_id = ? AND revoked_at IS NULL",
                Integer.class, device.id().hex())).isEqualTo(1);
    }

    @Test
    void adminSeesRenamesAndUnlinksMembersDevicesAndTheRenameIsAuditedAsTheAdmins() {
        Account owner = member("managed");
        RegisteredDevice device = register(owner);
        assertThat(admin().client().device(device.id()).owner().value()).isEqualTo(owner.email());
        assertThat(admin().client().renameDevice(device.id(), " Front desk ").name()).isEqualTo("Front desk");
        assertThat(owner.client().device(device.id()).name()).isEqualTo("Front desk");
        AuditEvent renamed = admin().client().auditEvents(10, null, List.of("DEVICE_RENAMED"), admin().email(), null, null).events()
                .stream().filter(e -> device.id().hex().equals(e.target())).findFirst().orElseThrow();
        assertThat(renamed.details()).containsEntry("from", "laptop").containsEntry("to", "Front desk")
                .containsEntry("owner", owner.email());
        admin().client().unlinkDevice(device.id(), true);
        assertThat(owner.client().devices()).isEmpty();
        assertProblem(problem(() -> admin().client().renameDevice(device.id(), "gone")), 404, "device-not-found");
    }

    @Test
    void adminRegistersTeamServersForTheOrganizationsTeamServerUser() throws Exception {
        DID id = DID.random();
        TeamServerCertificate ts = admin().client().registerTeamServer(
                new RegisterDevice(DeviceKeys.generate().certificationRequestPem(id), "ts1", "Linux", "Ubuntu 24.04"));
        assertThat(ts.userId().value()).isEqualTo(":1");
        assertThat(CertificateIdentity.of(Pem.parseCertificate(ts.certificate())).user().value()).isEqualTo(":1");
        assertProblem(problem(() -> anonymous().signIn(":1", PASSWORD)), 401, "invalid-credentials");
        assertThat(admin().client().members()).extracting(m -> m.userId().value()).doesNotContain(":1");

        Account member = member("not-admin");
        String csr = DeviceKeys.generate().certificationRequestPem(DID.random());
        assertProblem(problem(() -> member.client().registerTeamServer(new RegisterDevice(csr, "ts2", "Linux", "Ubuntu"))), 403,
                "admin-required");
    }

    @Test
    void concurrentRegistrationsAllSucceedAndOneDeviceIdIsRegisteredOnce() throws Exception {
        Account owner = member("concurrent");
        int before = count("devices");
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<RegisteredDevice>> distinct = new java.util.ArrayList<>();
            for (int i = 0; i < 16; i++) {
                distinct.add(pool.submit(() -> register(owner)));
            }
            for (var f : distinct) {
                assertThat(f.get().certificate().certificate()).startsWith("-----BEGIN CERTIFICATE-----");
            }
            // Another user races (16 registrations by one user are near its hourly limit).
            Account racer = member("racer");
            DID same = DID.random();
            List<java.util.concurrent.Future<Integer>> racing = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String csr = DeviceKeys.generate().certificationRequestPem(same);
                racing.add(pool.submit(() -> {
                    try {
                        racer.client().registerDevice(new RegisterDevice(csr, "twin", "Linux", "Arch"));
                        return 201;
                    } catch (SpApiException e) {
                        return e.status();
                    }
                }));
            }
            List<Integer> statuses = new java.util.ArrayList<>();
            for (var f : racing) {
                statuses.add(f.get());
            }
            assertThat(statuses).containsOnly(201, 409).filteredOn(x -> x == 201).hasSize(1);
        }
        assertThat(count("devices")).isEqualTo(before + 17);
    }

    private static String csr(X500Name subject, String curve) throws Exception {
        var kpg = KeyPairGenerator.getInstance("EC");
        kpg.initialize(new ECGenParameterSpec(curve));
        var keys = kpg.generateKeyPair();
        return pem(new JcaPKCS10CertificationRequestBuilder(subject, keys.getPublic())
                .build(new JcaContentSignerBuilder(curve.equals("secp384r1") ? "SHA384withECDSA" : "SHA256withECDSA")
                        .build(keys.getPrivate())));
    }

    private static String pem(PKCS10CertificationRequest request) throws Exception {
        return "-----BEGIN CERTIFICATE REQUEST-----\n" + Base64.getMimeEncoder().encodeToString(request.getEncoded())
                + "\n-----END CERTIFICATE REQUEST-----\n";
    }
}
