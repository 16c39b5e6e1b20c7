package dev.aero.sp.web;

import org.springframework.stereotype.Component;

import dev.aero.common.web.TrustedProxies;
import dev.aero.sp.SpProperties;
import jakarta.servlet.http.HttpServletRequest;

/** Who and where a request is from, as far as SP believes its headers. */
@Component
public class RequestIdentities {

    private final TrustedProxies proxies;

    RequestIdentities(SpProperties properties) {
        this.proxies = TrustedProxies.of(properties.trustedProxies());
    }

    public ClientAddress clientAddress(HttpServletRequest request) {
        return new ClientAddress(proxies.clientAddress(request.getRemoteAddr(), request.getHeader("X-Forwarded-For")));
    }

    /** Whether the request arrived from a trusted front proxy (so its forwarded headers count). */
    public boolean fromTrustedProxy(HttpServletRequest request) {
        return proxies.trusts(request.getRemoteAddr());
    }
}
