package dev.aero.verkehr.topic;

import java.util.concurrent.CompletableFuture;

import dev.aero.common.ssmp.PlatformTopics;
import dev.aero.verkehr.login.Identity;

/**
 * Per-topic authorization (docs/protocols/ssmp.md, topic authorization). Services and
 * development logins may hold and publish to every topic. A device may subscribe to its own
 * {@code cmd/<did>} and to its user's {@code acl/<base64url(sha256(userid))>}, and may subscribe
 * and MCAST to a store topic {@code <sid>} while its user is JOINED to that store (or is its
 * organization's team server), as SP says through {@link StoreMembership}. Every other topic is
 * refused to devices. Answers that need SP complete later; the others are complete at once.
 */
public final class TopicAuthorizer {

    private static final CompletableFuture<Boolean> YES = CompletableFuture.completedFuture(true);
    private static final CompletableFuture<Boolean> NO = CompletableFuture.completedFuture(false);

    private final StoreMembership stores;

    public TopicAuthorizer(StoreMembership stores) {
        this.stores = stores;
    }

    public CompletableFuture<Boolean> maySubscribe(Identity who, String topic) {
        if (who.trusted()) {
            return YES;
        }
        if (who.device() != null && topic.equals(PlatformTopics.commands(who.device()))) {
            return YES;
        }
        if (topic.startsWith(PlatformTopics.ACL_PREFIX)) {
            return who.user() != null && topic.equals(stores.aclTopic(who.user())) ? YES : NO;
        }
        return mayUseStore(who, topic);
    }

    public CompletableFuture<Boolean> mayPublish(Identity who, String topic) {
        if (who.trusted()) {
            return YES;
        }
        return mayUseStore(who, topic);
    }

    private CompletableFuture<Boolean> mayUseStore(Identity who, String topic) {
        if (who.device() == null || who.user() == null || !StoreMembership.isStoreTopic(topic)) {
            return NO;
        }
        return stores.mayUse(who.device(), who.user(), topic);
    }
}
