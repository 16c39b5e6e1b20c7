package dev.aero.verkehr.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Per-topic authorization (ARCHITECTURE.md, topics). Services and development logins may hold
 * and publish to every topic. A device may subscribe to its own {@code cmd/<did>} and to its
 * user's {@code acl/<base64url(sha256(userid))>}; store topics wait for the sharing feature, so
 * until then a device holds nothing else. Devices never publish to {@code cmd/} or {@code acl/}
 * topics: those carry what services say.
 */
public final class TopicAuthorizer {

    public static final String COMMANDS = "cmd/";
    public static final String ACLS = "acl/";

    public boolean maySubscribe(Identity who, String topic) {
        if (who.trusted()) {
            return true;
        }
        if (who.device() != null && topic.equals(COMMANDS + who.device().hex())) {
            return true;
        }
        return who.user() != null && topic.equals(aclTopic(who.user().toString()));
    }

    public boolean mayPublish(Identity who, String topic) {
        return who.trusted();
    }

    /** The ACL topic of a user: {@code acl/} and the unpadded base64url SHA-256 of the user id. */
    public static String aclTopic(String userId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(userId.getBytes(StandardCharsets.UTF_8));
            return ACLS + Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
