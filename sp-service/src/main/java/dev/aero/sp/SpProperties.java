package dev.aero.sp;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.util.unit.DataSize;

/**
 * SP's settings (CA settings are under {@code aero.sp.ca}, the device listener under
 * {@code aero.sp.device-tls}).
 *
 * @param openSignUp whether anyone may sign up; when off, only the deployment's first user
 *        and holders of an invitation code can
 * @param publicUrl the URL users reach SP's web front at; links in mails start with it
 * @param sessionLifetime how long a sign-in token is valid
 * @param passwordResetLifetime how long a password-reset link is valid
 * @param invitationLifetime how long an invitation code is valid
 * @param passwordMinLength the shortest password accepted
 * @param trustedProxies addresses or CIDR ranges of front proxies whose
 *        {@code X-Forwarded-For} and client-certificate headers are believed
 * @param clientCertificateHeader the header a trusted proxy forwards the verified client
 *        certificate in (URL-encoded PEM, as nginx's {@code $ssl_client_escaped_cert})
 * @param argon2 the password hash's cost
 * @param rateLimits attempt limits kept in Redis
 * @param mailFrom the sender of SP's mails
 * @param membersMayInvite whether a folder owner who is not an admin may share a folder with an
 *        address that has no account yet, which sends that address an organization invitation
 *        (admins always may)
 * @param deploymentSecret the secret platform services authenticate to SP with
 *        ({@code Authorization: Aero-Service-Shared-Secret <service> <secret>}); when empty,
 *        service endpoints answer 503
 * @param setupTokenFile where SP writes the first-run setup token for the operator while the
 *        deployment has no admin (mode 0600); the first sign-up must show it
 * @param deviceLogs where devices' log uploads are kept, and how much of them for how long
 */
@ConfigurationProperties("aero.sp")
public record SpProperties(
        @DefaultValue("false") boolean openSignUp,
        @DefaultValue("http://localhost:8080") URI publicUrl,
        @DefaultValue("14d") Duration sessionLifetime,
        @DefaultValue("1h") Duration passwordResetLifetime,
        @DefaultValue("7d") Duration invitationLifetime,
        @DefaultValue("8") int passwordMinLength,
        @DefaultValue("") List<String> trustedProxies,
        @DefaultValue("X-Client-Certificate") String clientCertificateHeader,
        @DefaultValue Argon2 argon2,
        @DefaultValue RateLimits rateLimits,
        @DefaultValue("Aero <no-reply@localhost>") String mailFrom,
        @DefaultValue("true") boolean membersMayInvite,
        @DefaultValue("") String deploymentSecret,
        @DefaultValue("data/setup-token") Path setupTokenFile,
        @DefaultValue DeviceLogs deviceLogs) {

    /**
     * Devices' log uploads (answers to UPLOAD_LOGS).
     *
     * @param directory where uploads are stored, one file each, named by SP (never by the device)
     * @param maxUploadSize the largest one upload may be (413 past it)
     * @param quota the most all stored uploads together may take (507 past it)
     * @param retention how long an upload is kept; the retention sweep deletes older ones, and
     *        logs requests that expired without an upload
     */
    public record DeviceLogs(
            @DefaultValue("data/device-logs") Path directory,
            @DefaultValue("100MB") DataSize maxUploadSize,
            @DefaultValue("2GB") DataSize quota,
            @DefaultValue("30d") Duration retention) {
    }

    /**
     * Argon2id cost; the defaults are OWASP's (19 MiB, 2 passes, 1 lane). At most
     * {@code maxConcurrent} hashes run at once (0 = one per core), which bounds their memory.
     */
    public record Argon2(@DefaultValue("19456") int memoryKib, @DefaultValue("2") int iterations,
            @DefaultValue("1") int parallelism, @DefaultValue("0") int maxConcurrent) {
    }

    /** At most {@code max} attempts per {@code window}, written {@code 10/15m}; max 0 turns it off. */
    public record Limit(int max, Duration window) {

        public Limit {
            if (max < 0 || window == null || window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("a limit is <max>/<window>, e.g. 10/15m");
            }
        }

        public static Limit valueOf(String text) {
            int slash = text.indexOf('/');
            if (slash < 0) {
                throw new IllegalArgumentException("a limit is <max>/<window>, e.g. 10/15m; got " + text);
            }
            return new Limit(Integer.parseInt(text.substring(0, slash).strip()),
                    DurationStyle.detectAndParse(text.substring(slash + 1).strip()));
        }
    }

    public record RateLimits(
            @DefaultValue("10/15m") Limit signInPerAccount,
            @DefaultValue("100/15m") Limit signInPerAddress,
            @DefaultValue("3/1h") Limit passwordResetPerAccount,
            @DefaultValue("20/1h") Limit passwordResetPerAddress,
            @DefaultValue("20/1h") Limit signUpPerAddress,
            @DefaultValue("10/15m") Limit passwordChangePerAccount,
            @DefaultValue("200/1h") Limit invitationsPerUser,
            @DefaultValue("20/1h") Limit deviceRegistrationsPerUser) {
    }
}
