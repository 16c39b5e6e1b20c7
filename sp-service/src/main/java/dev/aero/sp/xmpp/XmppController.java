package dev.aero.sp.xmpp;

import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.aero.common.id.DID;
import dev.aero.common.web.apidoc.ProblemResponse;
import dev.aero.sp.device.AuthenticatedDevice;
import dev.aero.sp.ratelimit.RateLimited;
import io.swagger.v3.oas.annotations.Operation;

/** Tokens for ejabberd (docs/protocols/xmpp.md). */
@RestController
@RequestMapping("/api/v1")
class XmppController {

    private final XmppTokens tokens;

    XmppController(XmppTokens tokens) {
        this.tokens = tokens;
    }

    @PostMapping("/devices/{did}/xmpp-token")
    @Operation(operationId = "issueXmppToken", summary = "A short-lived token the device signs in to ejabberd with "
            + "(SASL PLAIN: user = DID hex, password = token, over TLS); the device's own DID only")
    @RateLimited
    @ProblemResponse(status = 403, type = "device-mismatch", when = "the certificate is another device's")
    @ProblemResponse(status = 503, type = "xmpp-unavailable", when = "the deployment has no usable XMPP token key")
    XmppTokens.Token issue(AuthenticatedDevice caller, @PathVariable DID did) {
        return tokens.issue(caller, did);
    }
}
