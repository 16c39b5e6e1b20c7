package dev.aero.xmpp;

import java.util.Base64;
import java.nio.charset.StandardCharsets;

import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.roster.Roster;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;

import dev.aero.common.testing.TestEjabberd;

/** Plain Smack connections to the test node, as a device or the bridge would open them. */
final class XmppConnections {

    static {
        Roster.setRosterLoadedAtLoginDefault(false);
    }

    private XmppConnections() {
    }

    /** Not yet connected; STARTTLS required, trusting the node's certificate. */
    static XMPPTCPConnection to(TestEjabberd ejabberd, String user, String password) throws Exception {
        return to(ejabberd, user, password, SecurityMode.required);
    }

    /** Asks for SASL ANONYMOUS at login. */
    static XMPPTCPConnection anonymous(TestEjabberd ejabberd) throws Exception {
        return build(ejabberd, null, null, SecurityMode.required, true);
    }

    static XMPPTCPConnection to(TestEjabberd ejabberd, String user, String password, SecurityMode security) throws Exception {
        return build(ejabberd, user, password, security, false);
    }

    private static XMPPTCPConnection build(TestEjabberd ejabberd, String user, String password, SecurityMode security, boolean anonymous)
            throws Exception {
        XMPPTCPConnectionConfiguration.Builder config = XMPPTCPConnectionConfiguration.builder()
                .setXmppDomain(ejabberd.domain())
                .setHost(ejabberd.host())
                .setPort(ejabberd.port())
                .setSecurityMode(security)
                .setCustomX509TrustManager(ejabberd.trustManager())
                .setConnectTimeout(5000)
                .setSendPresence(false);
        if (user != null) {
            config.setUsernameAndPassword(user, password);
        }
        if (anonymous) {
            config.performSaslAnonymousAuthentication();
        }
        XMPPTCPConnection connection = new XMPPTCPConnection(config.build());
        connection.setReplyTimeout(5000);
        return connection;
    }

    /** A JWT whose header and claims are given as JSON, signed with nothing ({@code alg: none}). */
    static String unsigned(String header, String claims) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "." + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + ".";
    }
}
