package dev.aero.sp.account;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.springframework.stereotype.Component;

import dev.aero.sp.SpProperties;

/**
 * Argon2id password hashes in the PHC string format
 * ({@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>}), with a 16-byte random salt per hash.
 * The cost is read back from each stored hash, so raising it later keeps old hashes valid and
 * {@link #needsRehash} tells when to upgrade one.
 */
@Component
public class PasswordHasher {

    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    private static final Pattern PHC = Pattern.compile(
            "\\$argon2id\\$v=19\\$m=(\\d{1,7}),t=(\\d{1,3}),p=(\\d{1,2})\\$([A-Za-z0-9+/]{16,64})\\$([A-Za-z0-9+/]{16,128})");
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    private final SpProperties.Argon2 cost;
    private final SecureRandom random = new SecureRandom();
    /**
     * At most this many hashes run at once (one per core by default). More would not finish
     * sooner, and each holds its memory cost (19 MiB): 200 concurrent sign-ins would need
     * 3.8 GiB and thrash the collector. Callers queue fairly instead.
     */
    private final Semaphore running;
    /** Verified against when the account does not exist, so timing does not reveal that. */
    private final String decoy;

    PasswordHasher(SpProperties properties) {
        this.cost = properties.argon2();
        int concurrency = cost.maxConcurrent() > 0 ? cost.maxConcurrent() : Runtime.getRuntime().availableProcessors();
        this.running = new Semaphore(concurrency, true);
        this.decoy = hash("decoy password for absent accounts");
    }

    public String hash(String password) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        byte[] hash = argon2(password, salt, cost.memoryKib(), cost.iterations(), cost.parallelism(), HASH_BYTES);
        return "$argon2id$v=19$m=" + cost.memoryKib() + ",t=" + cost.iterations() + ",p=" + cost.parallelism() + "$"
                + B64.encodeToString(salt) + "$" + B64.encodeToString(hash);
    }

    /** Whether the password matches the stored hash; false for a null or unreadable hash. */
    public boolean matches(String password, String stored) {
        if (stored == null) {
            matches(password, decoy);
            return false;
        }
        Matcher m = PHC.matcher(stored);
        if (!m.matches()) {
            return false;
        }
        byte[] salt = B64D.decode(m.group(4));
        byte[] expected = B64D.decode(m.group(5));
        byte[] actual = argon2(password, salt, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3)), expected.length);
        return MessageDigest.isEqual(expected, actual);
    }

    /** Burns the same time as a real check, for absent accounts. */
    public void matchDecoy(String password) {
        matches(password, decoy);
    }

    public boolean needsRehash(String stored) {
        Matcher m = PHC.matcher(stored);
        return !m.matches() || Integer.parseInt(m.group(1)) != cost.memoryKib()
                || Integer.parseInt(m.group(2)) != cost.iterations() || Integer.parseInt(m.group(3)) != cost.parallelism();
    }

    private byte[] argon2(String password, byte[] salt, int memoryKib, int iterations, int parallelism, int length) {
        running.acquireUninterruptibly();
        try {
            return compute(password, salt, memoryKib, iterations, parallelism, length);
        } finally {
            running.release();
        }
    }

    private static byte[] compute(String password, byte[] salt, int memoryKib, int iterations, int parallelism, int length) {
        Argon2Parameters parameters = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(memoryKib)
                .withIterations(iterations)
                .withParallelism(parallelism)
                .withSalt(salt)
                .build();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(parameters);
        byte[] out = new byte[length];
        generator.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
        return out;
    }
}
