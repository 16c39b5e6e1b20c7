package dev.aero.sp.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityStorageTest {

    @TempDir
    Path dir;

    private CaProperties properties(Path directory, String passphrase) {
        return new CaProperties(directory, null, null, passphrase, "CN=Test CA", Duration.ofDays(3650), Duration.ofDays(365),
                Duration.ofDays(30), Duration.ofDays(7));
    }

    @Test
    void firstStartCreatesATenYearCaWithAKeyOnlyItsOwnerCanRead() throws Exception {
        Path caDir = dir.resolve("ca");
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(properties(caDir, null));
        assertThat(ca.certificate().getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(Duration.between(ca.certificate().getNotBefore().toInstant(), ca.certificate().getNotAfter().toInstant()))
                .isGreaterThanOrEqualTo(Duration.ofDays(3650));
        Path key = caDir.resolve(CertificateAuthority.KEY_FILE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(caDir))).isEqualTo("rwx------");
        assertThat(Files.readString(key)).contains("BEGIN PRIVATE KEY");
    }

    @Test
    void laterStartsLoadTheSameCa() {
        CertificateAuthority first = CertificateAuthority.loadOrCreate(properties(dir, null));
        CertificateAuthority second = CertificateAuthority.loadOrCreate(properties(dir, null));
        assertThat(second.certificate()).isEqualTo(first.certificate());
        assertThat(second.signed(second.issueServerCredentials(java.util.List.of("x"), java.util.List.of(), Duration.ofDays(1))
                .certificate())).isTrue();
    }

    @Test
    void withAPassphraseTheKeyIsEncryptedAndNeedsIt() throws Exception {
        CertificateAuthority first = CertificateAuthority.loadOrCreate(properties(dir, "s3cret passphrase"));
        String pem = Files.readString(dir.resolve(CertificateAuthority.KEY_FILE));
        assertThat(pem).contains("BEGIN ENCRYPTED PRIVATE KEY").doesNotContain("BEGIN PRIVATE KEY");
        assertThat(CertificateAuthority.loadOrCreate(properties(dir, "s3cret passphrase")).certificate()).isEqualTo(first.certificate());
        assertThatThrownBy(() -> CertificateAuthority.loadOrCreate(properties(dir, "wrong"))).hasMessageContaining("passphrase");
        assertThatThrownBy(() -> CertificateAuthority.loadOrCreate(properties(dir, null))).hasMessageContaining("encrypted");
    }

    @Test
    void aConfiguredCaIsUsedAndAMismatchedKeyIsRefused() throws Exception {
        CertificateAuthority a = CertificateAuthority.loadOrCreate(properties(dir.resolve("a"), null));
        CertificateAuthority.loadOrCreate(properties(dir.resolve("b"), null));
        Path cert = dir.resolve("a").resolve(CertificateAuthority.CERTIFICATE_FILE);
        CaProperties configured = new CaProperties(dir.resolve("unused"), cert, dir.resolve("a").resolve(CertificateAuthority.KEY_FILE),
                null, "CN=x", Duration.ofDays(1), Duration.ofDays(1), Duration.ofDays(1), Duration.ofDays(1));
        assertThat(CertificateAuthority.loadOrCreate(configured).certificate()).isEqualTo(a.certificate());
        assertThat(Files.exists(dir.resolve("unused"))).isFalse();

        CaProperties mismatched = new CaProperties(dir, cert, dir.resolve("b").resolve(CertificateAuthority.KEY_FILE), null, "CN=x",
                Duration.ofDays(1), Duration.ofDays(1), Duration.ofDays(1), Duration.ofDays(1));
        assertThatThrownBy(() -> CertificateAuthority.loadOrCreate(mismatched)).hasMessageContaining("does not belong");
    }

    @Test
    void certificateAndKeyFilesMustBeConfiguredTogether() {
        assertThatThrownBy(() -> new CaProperties(dir, dir.resolve("c.pem"), null, null, "CN=x", Duration.ofDays(1),
                Duration.ofDays(1), Duration.ofDays(1), Duration.ofDays(1))).isInstanceOf(IllegalArgumentException.class);
    }
}
