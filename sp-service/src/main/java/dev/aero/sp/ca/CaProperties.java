package dev.aero.sp.ca;

import java.nio.file.Path;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The platform certificate authority.
 *
 * @param directory where a generated CA keeps {@code ca.crt.pem} and {@code ca.key.pem}
 *        (directory mode 0700, key file 0600); created on first start
 * @param certificateFile a configured CA certificate (PEM); with {@code privateKeyFile} it
 *        replaces the generated one
 * @param privateKeyFile the configured CA's private key (PEM, PKCS#8, encrypted or not)
 * @param keyPassphrase when set, the key file is (or is written) encrypted with it
 *        (PKCS#8, AES-256-CBC, PBKDF2)
 * @param subject the subject of a generated CA certificate
 * @param validity lifetime of a generated CA certificate
 * @param deviceCertificateValidity lifetime of a device certificate
 * @param serviceCertificateValidity lifetime of a platform service's certificate; services
 *        renew before it ends, and a short one bounds the use of a leaked key (service
 *        certificates are not listed on the CRL)
 * @param crlValidity how long a CRL is valid (its nextUpdate); SP re-signs it when half is used
 */
@ConfigurationProperties("aero.sp.ca")
public record CaProperties(
        @DefaultValue("data/ca") Path directory,
        Path certificateFile,
        Path privateKeyFile,
        String keyPassphrase,
        @DefaultValue("CN=Aero Platform CA,O=Aero") String subject,
        @DefaultValue("3650d") Duration validity,
        @DefaultValue("365d") Duration deviceCertificateValidity,
        @DefaultValue("30d") Duration serviceCertificateValidity,
        @DefaultValue("7d") Duration crlValidity) {

    public CaProperties {
        if ((certificateFile == null) != (privateKeyFile == null)) {
            throw new IllegalArgumentException(
                    "aero.sp.ca.certificate-file and aero.sp.ca.private-key-file must be set together");
        }
    }

    boolean configured() {
        return certificateFile != null;
    }

    boolean encryptKey() {
        return keyPassphrase != null && !keyPassphrase.isEmpty();
    }
}
