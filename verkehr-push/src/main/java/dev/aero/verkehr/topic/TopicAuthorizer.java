package dev.aero.verkehr.topic;

import dev.aero.verkehr.login.Identity;
import dev.aero.common.ssmp.PlatformTopics;

/**
 * Per-topic authorization (docs/protocols/ssmp.md, topic authorization). Services and
 * development logins may hold and publish to every topic. A device may subscribe to its own
 * {@code cmd/<did>} and to its user's {@code acl/<base64url(sha256(userid))>}; store topics wait
 * for the sharing feature, so until then a device holds nothing else, and it publishes (MCAST)
 * nowhere: the topics it may hold carry what services say.
 */
public final class TopicAuthorizer {

    public boolean maySubscribe(Identity who, String topic) {
        if (who.trusted()) {
            return true;
        }
        if (who.device() != null && topic.equals(PlatformTopics.commands(who.device()))) {
            return true;
        }
        return who.user() != null && topic.equals(PlatformTopics.acl(who.user().toString()));
    }

    public boolean mayPublish(Identity who, String topic) {
        return who.trusted();
    }
}
