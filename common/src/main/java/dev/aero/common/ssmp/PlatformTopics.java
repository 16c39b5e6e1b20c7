package dev.aero.common.ssmp;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

import dev.aero.common.id.DID;

/**
 * The names several services share on verkehr: its connection-events stream in Redis and the
 * topic families whose meaning the platform fixes (docs/protocols/ssmp.md, topic
 * authorization). Defined here once; each service's settings default to these.
 */
public final class PlatformTopics {

    /** The Redis stream of verkehr's connection events (login, close), read by devman and command-server. */
    public static final String EVENTS_STREAM = "verkehr:events";

    /** {@code cmd/<did>}: a device's command pushes; only services publish here. */
    public static final String COMMANDS_PREFIX = "cmd/";

    /** {@code acl/<base64url(sha256(user id))>}: a user's ACL epoch; only services publish here. */
    public static final String ACL_PREFIX = "acl/";

    /** {@code svc/...}: topics for services only. */
    public static final String SERVICE_PREFIX = "svc/";

    /** {@code svc/stores}: SP's SIDs of stores whose device lists changed, for xmpp-bridge. */
    public static final String STORE_CHANGES = SERVICE_PREFIX + "stores";

    /** {@code svc/devices}: SP's {@code unlinked <did>} for each device unlinked, for xmpp-bridge. */
    public static final String DEVICE_CHANGES = SERVICE_PREFIX + "devices";

    private PlatformTopics() {
    }

    /** The topic a device's commands are pushed on. */
    public static String commands(DID device) {
        return COMMANDS_PREFIX + device.hex();
    }

    /** The ACL topic of a user: {@code acl/} and the unpadded base64url SHA-256 of the user id. */
    public static String acl(String userId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(userId.getBytes(StandardCharsets.UTF_8));
            return ACL_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
