package dev.aero.xmpp.relay;

import dev.aero.common.id.DID;

/** Where devices' room presence goes (devman, transport {@code xmpp}; the session is the full JID). */
public interface PresenceSink {

    void online(DID device, String session);

    void offline(DID device, String session);
}
