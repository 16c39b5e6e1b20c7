package dev.aero.common.web;

import org.springframework.format.FormatterRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import dev.aero.common.id.DID;
import dev.aero.common.id.OrgID;
import dev.aero.common.id.SID;
import dev.aero.common.id.UserID;

/**
 * Binds path variables and request parameters to the typed identifiers, so a handler can take
 * {@code @PathVariable DID did}; a malformed value becomes a 400 invalid-identifier problem.
 */
public class IdentifierConverters implements WebMvcConfigurer {

    @Override
    public void addFormatters(FormatterRegistry registry) {
        registry.addConverter(String.class, DID.class, DID::of);
        registry.addConverter(String.class, SID.class, SID::of);
        registry.addConverter(String.class, UserID.class, UserID::of);
        registry.addConverter(String.class, OrgID.class, OrgID::of);
    }
}
